"""snsbot core: configuration, models, workflow, register and dispatcher (no chat front end)."""
