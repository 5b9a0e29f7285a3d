"""Serving: the live library behind the app (:mod:`live`); the Gradio layout is app.py."""
