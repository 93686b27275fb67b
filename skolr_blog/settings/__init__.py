"""Settings are split: ``base`` holds what every environment shares; ``dev``,
``test`` and ``prod`` are thin overlays chosen with ``DJANGO_SETTINGS_MODULE``."""
