"""Deployment: gunicorn and nginx configuration, and the local production stack (stack.py)."""
