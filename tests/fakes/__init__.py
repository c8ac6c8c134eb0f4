"""Fake external services (Slack Web API) served over real HTTP on 127.0.0.1 for tests."""
