"""labelpipe: what an ML team puts behind its Label Studio webhook.

It checks a shared secret header, keeps a cache of the latest labels per
task up to date, queues a retraining job after every N new annotations, and
forgets what was deleted. ``consumer.py`` is the logic, ``wsgi.py`` the web
app around it (any WSGI server runs it; ``python -m labelpipe`` uses the
standard library's).
"""

from .consumer import LabelCache, RetrainJob, WebhookConsumer
from .wsgi import make_app, serve

__all__ = ["LabelCache", "RetrainJob", "WebhookConsumer", "make_app", "serve"]
