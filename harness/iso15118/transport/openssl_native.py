"""The TLS 1.3 knobs ISO 15118-20 needs that Python 3.11's `ssl` does not expose, reached through OpenSSL itself.

Python 3.11 cannot restrict the TLS 1.3 cipher suites (`set_ciphers` only affects TLS ≤ 1.2), can set only one
key-exchange group (`set_ecdh_curve`), and cannot tell which group or signature scheme was negotiated. The
OpenSSL library that `_ssl` is linked against can; this module calls it via ctypes on the `SSL_CTX` / `SSL` pointers
that CPython keeps right after the object header of `_ssl._SSLContext` / `_ssl._SSLSocket`.

That layout is CPython's, not a public API, so every pointer is cross-checked against what `ssl` itself reports
before it is used to change anything, and every function here degrades to "not available" (False / None) instead of
guessing. Where a Python version offers the knob natively (`SSLContext.set_ciphersuites`, `set_groups`), that wins.
"""

from __future__ import annotations

import ctypes
import functools
import ssl
import sys
from typing import Any

_SSL_CTRL_SET_GROUPS_LIST = 92
_SSL_CTRL_GET_PEER_SIGNATURE_NID = 108
_SSL_CTRL_GET_NEGOTIATED_GROUP = 134
_NID_UNDEF = 0
_POINTER = ctypes.sizeof(ctypes.c_void_p)


@functools.cache
def _library() -> tuple[Any, str]:
    """The libssl/libcrypto that `_ssl` uses (dlsym on its handle searches its dependencies), or why not."""
    if sys.implementation.name != "cpython":
        return None, f"needs CPython's object layout, this is {sys.implementation.name}"
    try:
        import _ssl

        lib = ctypes.CDLL(_ssl.__file__)
        signatures: dict[str, tuple[Any, list[Any]]] = {
            "SSL_CTX_get_options": (ctypes.c_uint64, [ctypes.c_void_p]),
            "SSL_CTX_set_ciphersuites": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p]),
            "SSL_CTX_ctrl": (ctypes.c_long, [ctypes.c_void_p, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]),
            "SSL_ctrl": (ctypes.c_long, [ctypes.c_void_p, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]),
            "SSL_get_version": (ctypes.c_char_p, [ctypes.c_void_p]),
            "SSL_get_current_cipher": (ctypes.c_void_p, [ctypes.c_void_p]),
            "SSL_CIPHER_get_name": (ctypes.c_char_p, [ctypes.c_void_p]),
            "SSL_get_peer_signature_type_nid": (ctypes.c_int, [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]),
            "OBJ_nid2sn": (ctypes.c_char_p, [ctypes.c_int]),
        }
        for name, (restype, argtypes) in signatures.items():
            function = getattr(lib, name)
            function.restype = restype
            function.argtypes = argtypes
    except (ImportError, AttributeError, OSError, TypeError) as exc:
        return None, f"cannot reach OpenSSL through _ssl: {exc}"
    return lib, ""


def availability() -> tuple[bool, str]:
    """Whether the native path can be used in this interpreter, and why not."""
    lib, why = _library()
    return lib is not None, why


def set_tls13_suites(context: ssl.SSLContext, suites: tuple[str, ...]) -> bool:
    """Offer/accept exactly `suites` for TLS 1.3; False when this interpreter cannot restrict them."""
    text = ":".join(suites)
    native = getattr(context, "set_ciphersuites", None)
    if native is not None:
        native(text)
        return True
    lib, _ = _library()
    pointer = _context_pointer(context)
    if lib is None or pointer is None:
        return False
    if lib.SSL_CTX_set_ciphersuites(pointer, text.encode()) != 1:
        raise ValueError(f"OpenSSL rejected the TLS 1.3 cipher suites {text!r}")
    offered = tuple(c["name"] for c in context.get_ciphers() if c["protocol"] == "TLSv1.3")
    if offered != suites:
        raise RuntimeError(f"TLS 1.3 suites read back as {offered}, set {suites}")
    return True


def set_groups(context: ssl.SSLContext, groups: tuple[str, ...]) -> bool:
    """Offer/accept exactly these key-exchange groups (OpenSSL names, e.g. secp521r1, X448); False if impossible."""
    native = getattr(context, "set_groups", None)
    if native is not None:
        native(":".join(groups))
        return True
    if len(groups) == 1:
        context.set_ecdh_curve(groups[0])  # with OpenSSL 3 this sets the group list, TLS 1.3 included
        return True
    lib, _ = _library()
    pointer = _context_pointer(context)
    if lib is None or pointer is None:
        return False
    text = ctypes.c_char_p(":".join(groups).encode())
    if lib.SSL_CTX_ctrl(pointer, _SSL_CTRL_SET_GROUPS_LIST, 0, text) != 1:
        raise ValueError(f"OpenSSL rejected the group list {':'.join(groups)!r}")
    return True


def negotiated_group(ssl_object: ssl.SSLObject | ssl.SSLSocket) -> str | None:
    """The key-exchange group of the finished handshake, or None when it cannot be read here."""
    native = getattr(ssl_object, "group", None)
    if callable(native):
        value = native()
        return str(value) if value is not None else None
    lib, _ = _library()
    pointer = _connection_pointer(ssl_object)
    if lib is None or pointer is None:
        return None
    nid = int(lib.SSL_ctrl(pointer, _SSL_CTRL_GET_NEGOTIATED_GROUP, 0, None))
    return _short_name(lib, nid)


def peer_signature(ssl_object: ssl.SSLObject | ssl.SSLSocket) -> str | None:
    """The peer's handshake signature as 'KEYTYPE' or 'KEYTYPE+HASH' (e.g. 'ED448', 'id-ecPublicKey+SHA512')."""
    lib, _ = _library()
    pointer = _connection_pointer(ssl_object)
    if lib is None or pointer is None:
        return None
    nid = ctypes.c_int(_NID_UNDEF)
    if lib.SSL_get_peer_signature_type_nid(pointer, ctypes.byref(nid)) != 1:
        return None
    key_type = _short_name(lib, nid.value)
    digest = ctypes.c_int(_NID_UNDEF)
    lib.SSL_ctrl(pointer, _SSL_CTRL_GET_PEER_SIGNATURE_NID, 0, ctypes.cast(ctypes.byref(digest), ctypes.c_void_p))
    digest_name = _short_name(lib, digest.value)
    if key_type is None:
        return None
    return key_type if digest_name is None else f"{key_type}+{digest_name}"


def _short_name(lib: Any, nid: int) -> str | None:
    if nid <= _NID_UNDEF:
        return None
    name = lib.OBJ_nid2sn(nid)
    return name.decode() if name else str(nid)


def _context_pointer(context: ssl.SSLContext) -> int | None:
    """The `SSL_CTX *` behind `context`, accepted only if OpenSSL reports the same options as Python does."""
    lib, _ = _library()
    if lib is None:
        return None
    pointer = ctypes.c_void_p.from_address(id(context) + object.__basicsize__).value
    if not pointer or int(lib.SSL_CTX_get_options(pointer)) != int(context.options):
        return None
    return int(pointer)


def _connection_pointer(ssl_object: ssl.SSLObject | ssl.SSLSocket) -> int | None:
    """The `SSL *` behind an established connection, accepted only if OpenSSL agrees on version and cipher."""
    lib, _ = _library()
    inner = getattr(ssl_object, "_sslobj", None)
    cipher = ssl_object.cipher()
    if lib is None or inner is None or cipher is None:
        return None
    # _ssl._SSLSocket: object header, then a weak reference to the socket, then the SSL pointer.
    pointer = ctypes.c_void_p.from_address(id(inner) + object.__basicsize__ + _POINTER).value
    if not pointer:
        return None
    version = lib.SSL_get_version(pointer)
    current = lib.SSL_get_current_cipher(pointer)
    name = lib.SSL_CIPHER_get_name(current) if current else None
    if version is None or version.decode() != ssl_object.version() or name is None or name.decode() != cipher[0]:
        return None
    return int(pointer)
