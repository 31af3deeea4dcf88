"""kubeadm-style certificates made with the openssl CLI: ECDSA P-256 keys (kubeadm's
encryptionAlgorithm ECDSA-P256: key generation under TCG takes milliseconds, not seconds),
CAs, leaf certificates with SANs and usages, the CA public-key hash joiners pin."""

import hashlib
import ipaddress
import os
import secrets
import subprocess
import tempfile


class PKIError(RuntimeError):
    pass


def _openssl(*args, data=None):
    p = subprocess.run(["openssl"] + list(args), input=data, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise PKIError("openssl %s: %s" % (args[0], p.stderr.decode(errors="replace").strip()))
    return p.stdout


def write_private(path, data):
    """Write a secret file 0600 from the start (never briefly world-readable)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.replace(tmp, path)


def write_public(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.chmod(path + ".tmp", 0o644)
    os.replace(path + ".tmp", path)


def new_key(path):
    write_private(path, _openssl("genpkey", "-algorithm", "EC", "-pkeyopt",
                                 "ec_paramgen_curve:P-256"))


def public_key(key_path, out_path):
    write_public(out_path, _openssl("pkey", "-in", key_path, "-pubout"))


def _subject(cn, orgs=()):
    s = "".join("/O=%s" % o for o in orgs) + "/CN=%s" % cn
    return s


def _san_line(sans):
    parts = []
    for s in sans:
        try:
            ipaddress.ip_address(s)
            parts.append("IP:%s" % s)
        except ValueError:
            parts.append("DNS:%s" % s)
    return ",".join(dict.fromkeys(parts))


def new_ca(base, cn, days=3650):
    """base.key + base.crt, a self-signed CA."""
    new_key(base + ".key")
    crt = _openssl("req", "-x509", "-new", "-key", base + ".key", "-subj", _subject(cn),
                   "-days", str(days), "-sha256",
                   "-addext", "basicConstraints=critical,CA:TRUE",
                   "-addext", "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign",
                   "-addext", "subjectKeyIdentifier=hash")
    write_public(base + ".crt", crt)


def new_cert(base, ca_base, cn, orgs=(), sans=(), server=False, client=False, days=365):
    """base.key + base.crt signed by ca_base.{crt,key}."""
    new_key(base + ".key")
    csr = _openssl("req", "-new", "-key", base + ".key", "-subj", _subject(cn, orgs))
    usage = ",".join(u for u, on in (("serverAuth", server), ("clientAuth", client)) if on)
    ext = ["basicConstraints=critical,CA:FALSE",
           "keyUsage=critical,digitalSignature,keyEncipherment"]
    if usage:
        ext.append("extendedKeyUsage=%s" % usage)
    if sans:
        ext.append("subjectAltName=%s" % _san_line(sans))
    write_public(base + ".crt", sign_csr(csr, ca_base, ext, days))


def sign_csr(csr_pem, ca_base, ext_lines, days=365):
    """Sign a PEM CSR with the CA; returns the PEM certificate."""
    with tempfile.TemporaryDirectory(prefix="ekstandin-") as d:
        ext = os.path.join(d, "ext")
        with open(ext, "w") as f:
            f.write("\n".join(ext_lines) + "\n")
        csr = os.path.join(d, "csr")
        with open(csr, "wb") as f:
            f.write(csr_pem if isinstance(csr_pem, bytes) else csr_pem.encode())
        return _openssl("x509", "-req", "-in", csr, "-CA", ca_base + ".crt",
                        "-CAkey", ca_base + ".key", "-set_serial",
                        "0x" + secrets.token_hex(8), "-days", str(days), "-sha256",
                        "-extfile", ext)


def new_csr(key_path, cn, orgs=()):
    new_key(key_path)
    return _openssl("req", "-new", "-key", key_path, "-subj", _subject(cn, orgs))


def csr_subject(csr_pem):
    """(CN, [O...]) of a PEM CSR."""
    out = _openssl("req", "-noout", "-subject", "-nameopt", "sep_multiline,sname",
                   data=csr_pem if isinstance(csr_pem, bytes) else csr_pem.encode()).decode()
    cn, orgs = None, []
    for line in out.splitlines()[1:]:
        k, _, v = line.strip().partition("=")
        if k == "CN":
            cn = v
        elif k == "O":
            orgs.append(v)
    return cn, orgs


def ca_cert_hash(ca_crt):
    """'sha256:<hex>' of the DER SubjectPublicKeyInfo, as kubeadm pins a CA."""
    pub = _openssl("x509", "-in", ca_crt, "-noout", "-pubkey")
    der = _openssl("pkey", "-pubin", "-outform", "DER", data=pub)
    return "sha256:" + hashlib.sha256(der).hexdigest()
