"""The SDK's client core loads the Google credential modules only when a Google method runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]

CHECK = """
import sys, json, types
from components._sdk import GOOGLE_MODULES, defer_google_auth, defer_init

defer_init("databricks.sdk")
defer_google_auth()
from databricks.sdk import credentials_provider
from databricks.sdk.core import ApiClient, Config

before = "cryptography" in sys.modules
# The SDK's google-credentials method, given a service account key: it reads the key with
# google.oauth2.service_account (loaded now), which parses it with cryptography.
cfg = types.SimpleNamespace(
    host="https://1.gcp.databricks.com", google_credentials=sys.argv[1],
    auth_type="google-credentials", group_id=None,
)
provider = credentials_provider.google_credentials(cfg)
print(json.dumps({
    "before": before,
    "provider": type(provider).__name__,
    "after_google": "cryptography" in sys.modules,
    "same": [sys.modules[m] is getattr(sys.modules[m.rpartition(".")[0]], m.rpartition(".")[2])
             for m in GOOGLE_MODULES],
}))
"""


def _service_account_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return json.dumps(
        {
            "type": "service_account",
            "client_email": "sa@project.iam.gserviceaccount.com",
            "private_key": pem,
            "private_key_id": "1",
            "token_uri": "https://oauth2.googleapis.com/token",
        }
    )


def test_google_modules_load_when_a_google_method_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK, _service_account_key()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "before": False,
        "provider": "OAuthCredentialsProvider",
        "after_google": True,
        "same": [True, True],
    }
