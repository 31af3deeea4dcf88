"""The kubeadm-certs Secret's cipher, as kubeadm does it: AES-256-GCM keyed by the 32-byte
certificate key (64 hex chars), each value = 12-byte nonce || ciphertext || tag."""

import os


def AESGCM(key):
    # imported on use: `kubeadm reset` and the rest must work even if cryptography cannot load
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM as impl
    return impl(key)


def _key(hexkey):
    key = bytes.fromhex(hexkey)
    if len(key) != 32:
        raise ValueError("certificate key must be 64 hex characters")
    return key


def encrypt(hexkey, data):
    nonce = os.urandom(12)
    return nonce + AESGCM(_key(hexkey)).encrypt(nonce, data, None)


def decrypt(hexkey, blob):
    if len(blob) < 12 + 16:
        raise ValueError("ciphertext too short")
    return AESGCM(_key(hexkey)).decrypt(blob[:12], blob[12:], None)
