"""The policy's features around the pipeline: targets, the HP feed, the inbox, dashboards."""
