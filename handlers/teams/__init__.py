"""The Microsoft Teams front end (Microsoft 365 Agents SDK, Adaptive Cards): `pip install -e '.[teams]'`."""
