"""The product side: a Celery app whose workers validate, translate, embed and bulk-write products."""
