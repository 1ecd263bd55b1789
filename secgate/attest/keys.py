"""Signing keys for attestations: load (with clear errors) and generate.

Accepted keys: Ed25519 and ECDSA P-256 (signature over SHA-256), as PEM (private keys
PKCS#8, optionally encrypted; public keys SubjectPublicKeyInfo). Error messages name the
file (or ``$SECGATE_SIGNING_KEY``) and what is wrong; they never hold key material.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from secgate.errors import SecgateError

KeyType = Literal["ed25519", "ecdsa-p256"]
PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey

#: The env variables a CI job sets instead of ``--signing-key``.
KEY_ENV = "SECGATE_SIGNING_KEY"
PASSWORD_ENV = "SECGATE_SIGNING_KEY_PASSWORD"  # noqa: S105 - the variable's name


class KeyLoadError(SecgateError):
    """A key cannot be used: missing, unreadable, encrypted, or of a refused type."""


def _pem_source(key: str | Path | None) -> tuple[bytes, str]:
    """The PEM bytes of *key* (a path, or PEM text) and how to name it in an error."""
    if key is None:
        value = os.environ.get(KEY_ENV)
        if not value:
            raise KeyLoadError(f"no signing key: pass --signing-key FILE or set ${KEY_ENV}")
        if "-----BEGIN" in value:
            return value.encode(), f"${KEY_ENV}"
        key = value
    if isinstance(key, str) and "-----BEGIN" in key:
        return key.encode(), "the key text"
    path = Path(key).expanduser()
    try:
        # The user names their own key file (flag or CI variable): reading it is the point.
        return path.read_bytes(), str(path)  # nosemgrep
    except FileNotFoundError:
        raise KeyLoadError(f"{path}: key file not found") from None
    except OSError as exc:
        raise KeyLoadError(f"{path}: cannot read the key file ({exc.strerror})") from None


def _check_type(key: object, where: str, *, private: bool) -> None:
    kind = "private" if private else "public"
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if isinstance(key.curve, ec.SECP256R1):
            return
        raise KeyLoadError(
            f"{where}: ECDSA {kind} key on curve {key.curve.name}: only P-256 "
            "(secp256r1) and Ed25519 are accepted"
        )
    name = type(key).__name__.removeprefix("_").replace("PrivateKey", "").replace("PublicKey", "")
    raise KeyLoadError(
        f"{where}: {name or 'unknown'} {kind} key: only Ed25519 and ECDSA P-256 are accepted"
    )


def load_private_key(key: str | Path | None = None, password: str | None = None) -> PrivateKey:
    """The signing key from *key* (a PEM file path or PEM text), else ``$SECGATE_SIGNING_KEY``.

    ``$SECGATE_SIGNING_KEY`` holds the PEM text itself (what a CI secret holds) or a path.
    The password, for an encrypted key, comes from *password* or
    ``$SECGATE_SIGNING_KEY_PASSWORD``.
    """
    data, where = _pem_source(key)
    if password is None:
        password = os.environ.get(PASSWORD_ENV) or None
    if b"PRIVATE KEY-----" not in data:
        if b"PUBLIC KEY-----" in data:
            raise KeyLoadError(f"{where}: a public key was given where the private key is needed")
        raise KeyLoadError(f"{where}: not a PEM private key")
    try:
        loaded = serialization.load_pem_private_key(
            data, password.encode() if password is not None else None
        )
    except TypeError:
        if password is None:
            raise KeyLoadError(
                f"{where}: the key is encrypted and no password was given (set ${PASSWORD_ENV})"
            ) from None
        raise KeyLoadError(f"{where}: the key is not encrypted; unset ${PASSWORD_ENV}") from None
    except ValueError:
        if password is not None:
            raise KeyLoadError(
                f"{where}: cannot decrypt the key (wrong password?) or it is not a valid PEM key"
            ) from None
        raise KeyLoadError(f"{where}: not a valid PEM private key") from None
    except Exception:  # noqa: BLE001 - unsupported algorithms raise their own types
        raise KeyLoadError(f"{where}: unsupported or invalid private key") from None
    _check_type(loaded, where, private=True)
    return loaded  # type: ignore[return-value]


def load_public_key(key: str | Path) -> PublicKey:
    """The verification key from a PEM (SubjectPublicKeyInfo) file path or PEM text."""
    data, where = _pem_source(key)
    if b"PRIVATE KEY-----" in data:
        raise KeyLoadError(f"{where}: a private key was given; pass the public key (.pub)")
    try:
        loaded = serialization.load_pem_public_key(data)
    except Exception:  # noqa: BLE001 - ValueError or an unsupported-algorithm error
        raise KeyLoadError(f"{where}: not a valid PEM public key") from None
    _check_type(loaded, where, private=False)
    return loaded  # type: ignore[return-value]


def generate(key_type: KeyType = "ed25519") -> PrivateKey:
    """A new private key of *key_type*."""
    if key_type == "ecdsa-p256":
        return ec.generate_private_key(ec.SECP256R1())
    return ed25519.Ed25519PrivateKey.generate()


def write_keypair(prefix: Path, key_type: KeyType = "ed25519") -> tuple[Path, Path]:
    """Write ``PREFIX.key`` (mode 0600, unencrypted PKCS#8) and ``PREFIX.pub`` (SPKI)."""
    private = generate(key_type)
    key_path = prefix.with_name(prefix.name + ".key")
    pub_path = prefix.with_name(prefix.name + ".pub")
    for path in (key_path, pub_path):
        if path.exists():
            raise KeyLoadError(f"{path}: already exists; refusing to overwrite a key")
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    pub_path.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return key_path, pub_path
