"""Points a real Django (with WhiteNoise and django-vite) at an assetpress
output used as STATIC_ROOT, without collectstatic, and prints what each
resolves and serves as JSON on stdout (tests/e2e/backends.rs asserts on it).

usage: python django_check.py OUT STORAGE [NAME...]
  OUT      an output built with --base /static/ --manifest-format vite,django
  STORAGE  manifest   django.contrib.staticfiles.storage.ManifestStaticFilesStorage
           whitenoise whitenoise.storage.CompressedManifestStaticFilesStorage
  NAME     input names to resolve with {% static %} and {% vite_asset %}
"""

import json
import sys

import django
from django.conf import settings

out, storage, names = sys.argv[1], sys.argv[2], sys.argv[3:]
backend = {
    "manifest": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
    "whitenoise": "whitenoise.storage.CompressedManifestStaticFilesStorage",
}[storage]

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["testserver"],
    SECRET_KEY="assetpress-test",
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["django.contrib.staticfiles", "django_vite"],
    MIDDLEWARE=["whitenoise.middleware.WhiteNoiseMiddleware"],
    STATIC_URL="/static/",
    STATIC_ROOT=out,
    STORAGES={"staticfiles": {"BACKEND": backend}},
    TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}],
    DJANGO_VITE={
        "default": {
            "dev_mode": False,
            "manifest_path": f"{out}/.vite/manifest.json",
        }
    },
)
urlpatterns = []
django.setup()

from django.contrib.staticfiles.storage import staticfiles_storage  # noqa: E402
from django.core import checks  # noqa: E402
from django.template import Context, Template  # noqa: E402
from django.test import Client  # noqa: E402


def attempt(f):
    try:
        return {"ok": f()}
    except Exception as e:  # the exact failure is what the test reports
        return {"error": f"{type(e).__name__}: {e}"}


manifest = json.load(open(f"{out}/assetpress-manifest.json"))
result = {
    "checks": [str(m) for m in checks.run_checks() if m.level >= checks.WARNING],
    "static": {},
    "vite_asset": {},
    "url": {},
    "served": {},
}
for name in names:
    result["static"][name] = attempt(
        lambda: Template("{% load static %}{% static name %}").render(Context({"name": name}))
    )
    result["vite_asset"][name] = attempt(
        lambda: Template("{% load django_vite %}{% vite_asset name %}").render(Context({"name": name}))
    )

# Every file of the output under its own (hashed) name, as django-vite asks.
published = set()
for entry in manifest["assets"].values():
    published.add(entry["file"])
    if entry.get("map"):
        published.add(entry["map"])
    for v in entry.get("variants", []):
        published.add(v["file"])
for name in sorted(published):
    result["url"][name] = attempt(lambda: staticfiles_storage.url(name))

client = Client()
for name in sorted(published):
    response = client.get(f"/static/{name}", HTTP_ACCEPT_ENCODING="br, gzip")
    result["served"][name] = {
        "status": response.status_code,
        "cache_control": response.headers.get("Cache-Control"),
        "content_encoding": response.headers.get("Content-Encoding"),
    }
    if hasattr(response, "close"):
        response.close()

json.dump(result, sys.stdout, indent=1, sort_keys=True)
