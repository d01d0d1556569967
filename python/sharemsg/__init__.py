"""libsharemsg for Python pool nodes: a ctypes binding over the C ABI (sharemsg.h).

Runs on CPython 3 and PyPy 3 with the standard library alone. The shared library is found
through $SHAREMSG_LIBRARY (a path), else the system's linker path (libsharemsg.so.0).

Every failure of the library is raised as SharemsgError (its ``code`` is the C status); a
V36 verdict that rejects a share is a value (``Verdict.valid`` is False), not an exception.
Bytes passed in are copied by the library during the call; results are Python objects that
own their data (messages are copied out of the library's handles).
"""

import ctypes
import ctypes.util
import os

__all__ = [
    "SharemsgError", "Context", "Verdict", "Message", "Unpacked", "Share", "Outbox", "Store",
    "message_data_hash", "message_create", "version",
    "AUTHORITIES_MAINNET", "AUTHORITIES_TEST",
    "V36_OK_EMPTY", "V36_OK", "V36_NOT_DECRYPTED", "V36_NO_MESSAGES",
    "V36_UNSIGNED_MESSAGE", "V36_BAD_SIGNATURE",
    "QUERY_VERIFIED_ONLY", "QUERY_AUTHORITY_ONLY",
]

AUTHORITIES_MAINNET = 0
AUTHORITIES_TEST = 1
V36_OK_EMPTY, V36_OK, V36_NOT_DECRYPTED, V36_NO_MESSAGES, V36_UNSIGNED_MESSAGE, \
    V36_BAD_SIGNATURE = range(6)
QUERY_VERIFIED_ONLY = 1
QUERY_AUTHORITY_ONLY = 2


def _load():
    path = os.environ.get("SHAREMSG_LIBRARY") or ctypes.util.find_library("sharemsg") \
        or "libsharemsg.so.0"
    return ctypes.CDLL(path)


_lib = _load()

_u8p = ctypes.POINTER(ctypes.c_uint8)
_size = ctypes.c_size_t
_vp = ctypes.c_void_p


class _Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("message", ctypes.c_char * 256)]


_errp = ctypes.POINTER(_Error)


def _fn(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_status_name = _fn("sharemsg_status_name", ctypes.c_char_p, ctypes.c_int)
_version = _fn("sharemsg_version", ctypes.c_char_p)
_free = _fn("sharemsg_free", None, _vp)
_hash = _fn("sharemsg_message_data_hash", ctypes.c_int, _u8p, _size, _u8p, _errp)
_ctx_create = _fn("sharemsg_context_create", ctypes.c_int, ctypes.c_int,
                  ctypes.POINTER(_vp), _errp)
_ctx_destroy = _fn("sharemsg_context_destroy", None, _vp)
_ctx_stats = _fn("sharemsg_context_cache_stats", None, _vp,
                 ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_uint64))
_m_type = _fn("sharemsg_message_type", ctypes.c_uint8, _vp)
_m_flags = _fn("sharemsg_message_flags", ctypes.c_uint8, _vp)
_m_wire_flags = _fn("sharemsg_message_wire_flags", ctypes.c_uint8, _vp)
_m_timestamp = _fn("sharemsg_message_timestamp", ctypes.c_uint32, _vp)
_m_payload = _fn("sharemsg_message_payload", _u8p, _vp, ctypes.POINTER(_size))
_m_signature = _fn("sharemsg_message_signature", _u8p, _vp, ctypes.POINTER(_size))
_m_signing_id = _fn("sharemsg_message_signing_id", ctypes.c_int, _vp, _u8p)
_m_verified = _fn("sharemsg_message_verified", ctypes.c_int, _vp)
_m_hash = _fn("sharemsg_message_hash", None, _vp, _u8p)
_m_pack = _fn("sharemsg_message_pack", ctypes.c_int, _vp, ctypes.POINTER(_u8p),
              ctypes.POINTER(_size), _errp)
_m_create = _fn("sharemsg_message_create", ctypes.c_int, ctypes.c_uint8, ctypes.c_uint8,
                ctypes.c_uint32, _u8p, _size, _u8p, ctypes.POINTER(_u8p),
                ctypes.POINTER(_size), _errp)
_verify = _fn("sharemsg_verify_message_data", ctypes.c_int, _vp, _u8p, _size,
              ctypes.POINTER(_vp), _errp)
_v_destroy = _fn("sharemsg_verdict_destroy", None, _vp)
_v_rule = _fn("sharemsg_verdict_rule", ctypes.c_int, _vp)
_v_valid = _fn("sharemsg_verdict_valid", ctypes.c_int, _vp)
_rule_name = _fn("sharemsg_v36_rule_name", ctypes.c_char_p, ctypes.c_int)
_v_reason = _fn("sharemsg_verdict_reason", ctypes.c_char_p, _vp)
_v_cached = _fn("sharemsg_verdict_cached", ctypes.c_int, _vp)
_v_authority = _fn("sharemsg_verdict_authority", ctypes.c_int, _vp, _u8p)
_v_count = _fn("sharemsg_verdict_message_count", _size, _vp)
_v_message = _fn("sharemsg_verdict_message", _vp, _vp, _size)
_unpack = _fn("sharemsg_unpack_message_data", ctypes.c_int, _vp, _u8p, _size,
              ctypes.POINTER(_vp), _errp)
_u_destroy = _fn("sharemsg_unpacked_destroy", None, _vp)
_u_authority = _fn("sharemsg_unpacked_authority", ctypes.c_int, _vp, _u8p)
_u_announcement = _fn("sharemsg_unpacked_announcement", ctypes.c_int, _vp, _u8p,
                      ctypes.POINTER(ctypes.c_uint32), _u8p)
_u_count = _fn("sharemsg_unpacked_message_count", _size, _vp)
_u_message = _fn("sharemsg_unpacked_message", _vp, _vp, _size)
_decrypt = _fn("sharemsg_decrypt_envelope", ctypes.c_int, _vp, _u8p, _size,
               ctypes.POINTER(_u8p), ctypes.POINTER(_size), _u8p, _errp)
_encrypt = _fn("sharemsg_encrypt_envelope", ctypes.c_int, _vp, _u8p, _size, _u8p, _u8p,
               ctypes.POINTER(_u8p), ctypes.POINTER(_size), _errp)
_s_parse = _fn("sharemsg_share_parse", ctypes.c_int, ctypes.c_uint64, _u8p, _size,
               ctypes.POINTER(_vp), _errp)
_s_destroy = _fn("sharemsg_share_destroy", None, _vp)
_s_message_data = _fn("sharemsg_share_message_data", _u8p, _vp, ctypes.POINTER(_size))
_s_timestamp = _fn("sharemsg_share_timestamp", ctypes.c_uint32, _vp)
_s_absheight = _fn("sharemsg_share_absheight", ctypes.c_uint32, _vp)
_s_bits = _fn("sharemsg_share_bits", ctypes.c_uint32, _vp)
_s_payout = _fn("sharemsg_share_payout", ctypes.c_int, _vp, _u8p)
_s_previous = _fn("sharemsg_share_previous", ctypes.c_int, _vp, _u8p)
_o_create = _fn("sharemsg_outbox_create", ctypes.c_int, _vp, ctypes.POINTER(_vp), _errp)
_o_destroy = _fn("sharemsg_outbox_destroy", None, _vp)
_o_add = _fn("sharemsg_outbox_add", ctypes.c_int, _vp, _u8p, _size, _errp)
_o_set_ann = _fn("sharemsg_outbox_set_announcement", ctypes.c_int, _vp, _u8p, _size, _errp)
_o_count = _fn("sharemsg_outbox_count", _size, _vp)
_o_clear = _fn("sharemsg_outbox_clear", None, _vp)
_o_build = _fn("sharemsg_outbox_build", ctypes.c_int, _vp, _u8p, ctypes.POINTER(_u8p),
               ctypes.POINTER(_size), _errp)
_st_create = _fn("sharemsg_store_create", ctypes.c_int, _vp, _size, ctypes.c_double,
                 ctypes.POINTER(_vp), _errp)
_st_destroy = _fn("sharemsg_store_destroy", None, _vp)
_st_add = _fn("sharemsg_store_add_verified", ctypes.c_int, _vp, _vp, _u8p, ctypes.c_char_p,
              ctypes.c_double, ctypes.POINTER(_size), _errp)
_st_load = _fn("sharemsg_store_load_blob_hex", ctypes.c_int, _vp, ctypes.c_char_p,
               ctypes.c_double, ctypes.POINTER(_size), _errp)
_st_prune = _fn("sharemsg_store_prune", ctypes.c_int, _vp, _u8p, _size, _errp)
_st_expire = _fn("sharemsg_store_expire", None, _vp, ctypes.c_double)
_st_size = _fn("sharemsg_store_size", _size, _vp)
# JSON outputs (char**) are taken as void* so that they can be released with sharemsg_free.
_st_json = _fn("sharemsg_store_json", ctypes.c_int, _vp, ctypes.c_int, _size, ctypes.c_uint,
               ctypes.c_double, ctypes.POINTER(_vp), _errp)
_st_stats = _fn("sharemsg_store_stats_json", ctypes.c_int, _vp, ctypes.POINTER(_vp), _errp)


class SharemsgError(Exception):
    """A failed library call: ``code`` is the sharemsg_status, ``name`` its name."""

    def __init__(self, code, message):
        self.code = code
        self.name = _status_name(code).decode()
        self.message = message
        super().__init__("%s: %s" % (self.name, message))


def _check(rc, err):
    if rc != 0:
        raise SharemsgError(rc, err.message.decode("utf-8", "replace"))


def _in(data):
    """(pointer, length) of bytes the library only reads during the call."""
    data = bytes(data)
    if not data:
        return None, 0
    return ctypes.cast(ctypes.c_char_p(data), _u8p), len(data)


def _take(p, n):
    try:
        return ctypes.string_at(p, n.value) if p else b""
    finally:
        _free(p)


def _take_str(p):
    try:
        return ctypes.string_at(p).decode("utf-8") if p else ""
    finally:
        _free(p)


def version():
    return _version().decode()


def message_data_hash(data):
    """SHA256d of message_data, or 32 zero bytes for none."""
    err, out = _Error(), (ctypes.c_uint8 * 32)()
    p, n = _in(data)
    _check(_hash(p, n, out, ctypes.byref(err)), err)
    return bytes(out)


def message_create(msg_type, flags, timestamp, payload, authority_key=None):
    """A message's wire bytes, signed directly by ``authority_key`` (32 bytes) when given."""
    err, out, n = _Error(), _u8p(), _size()
    p, pn = _in(payload)
    key = (ctypes.c_uint8 * 32).from_buffer_copy(bytes(authority_key)) if authority_key else None
    _check(_m_create(msg_type, flags, timestamp, p, pn, key, ctypes.byref(out), ctypes.byref(n),
                     ctypes.byref(err)), err)
    return _take(out, n)


class Message(object):
    """A share message, copied out of the library."""

    __slots__ = ("type", "flags", "wire_flags", "timestamp", "payload", "signature",
                 "signing_id", "verified", "hash", "packed")

    def __init__(self, handle):
        n = _size()
        self.type = _m_type(handle)
        self.flags = _m_flags(handle)
        self.wire_flags = _m_wire_flags(handle)
        self.timestamp = _m_timestamp(handle)
        p = _m_payload(handle, ctypes.byref(n))
        self.payload = ctypes.string_at(p, n.value) if n.value else b""
        p = _m_signature(handle, ctypes.byref(n))
        self.signature = ctypes.string_at(p, n.value) if n.value else b""
        sid = (ctypes.c_uint8 * 20)()
        self.signing_id = bytes(sid) if _m_signing_id(handle, sid) else None
        self.verified = bool(_m_verified(handle))
        h = (ctypes.c_uint8 * 32)()
        _m_hash(handle, h)
        self.hash = bytes(h)
        err, out = _Error(), _u8p()
        _check(_m_pack(handle, ctypes.byref(out), ctypes.byref(n), ctypes.byref(err)), err)
        self.packed = _take(out, n)


class Verdict(object):
    """The V36 rule's verdict on one message_data.

    ``rule``, ``valid`` and ``cached`` are read at once; ``messages``, ``reason``,
    ``rule_name`` and ``authority`` are copied out of the library when first read, so that a
    share whose verdict the node only tests for validity costs no copies.
    """

    def __init__(self, handle):
        self._h = handle
        self.rule = _v_rule(handle)
        self.valid = bool(_v_valid(handle))
        self.cached = bool(_v_cached(handle))
        self._messages = None

    @property
    def rule_name(self):
        return _rule_name(self.rule).decode()

    @property
    def reason(self):
        return _v_reason(self._h).decode("utf-8", "replace")

    @property
    def authority(self):
        k = (ctypes.c_uint8 * 33)()
        return bytes(k) if _v_authority(self._h, k) else None

    @property
    def messages(self):
        if self._messages is None:
            self._messages = [Message(_v_message(self._h, i)) for i in range(_v_count(self._h))]
        return self._messages

    def __del__(self):
        if getattr(self, "_h", None):
            _v_destroy(self._h)
            self._h = None


class Unpacked(object):
    """message_data decrypted and parsed as the reference does; signatures not checked."""

    def __init__(self, handle):
        try:
            k = (ctypes.c_uint8 * 33)()
            self.authority = bytes(k) if _u_authority(handle, k) else None
            sid, pub, idx = (ctypes.c_uint8 * 20)(), (ctypes.c_uint8 * 33)(), ctypes.c_uint32()
            if _u_announcement(handle, sid, ctypes.byref(idx), pub):
                self.announcement = (bytes(sid), idx.value, bytes(pub))
            else:
                self.announcement = None
            self.messages = [Message(_u_message(handle, i)) for i in range(_u_count(handle))]
        finally:
            _u_destroy(handle)


class Context(object):
    """Trusted authority keys and the verify-once cache. Thread-safe."""

    def __init__(self, authorities=AUTHORITIES_MAINNET):
        err, h = _Error(), _vp()
        _check(_ctx_create(authorities, ctypes.byref(h), ctypes.byref(err)), err)
        self._h = h

    def __del__(self):
        if getattr(self, "_h", None):
            _ctx_destroy(self._h)
            self._h = None

    def verify(self, message_data):
        """The V36 rule on a share's message_data (b'' or None for none)."""
        err, h = _Error(), _vp()
        p, n = _in(message_data or b"")
        _check(_verify(self._h, p, n, ctypes.byref(h), ctypes.byref(err)), err)
        return Verdict(h)

    def unpack(self, message_data):
        err, h = _Error(), _vp()
        p, n = _in(message_data or b"")
        _check(_unpack(self._h, p, n, ctypes.byref(h), ctypes.byref(err)), err)
        return Unpacked(h)

    def decrypt_envelope(self, envelope):
        """(inner, authority_pubkey); raises SharemsgError when it does not decrypt."""
        err, out, n, k = _Error(), _u8p(), _size(), (ctypes.c_uint8 * 33)()
        p, pn = _in(envelope)
        _check(_decrypt(self._h, p, pn, ctypes.byref(out), ctypes.byref(n), k,
                        ctypes.byref(err)), err)
        return _take(out, n), bytes(k)

    def encrypt_envelope(self, inner, authority_pubkey, nonce=None):
        err, out, n = _Error(), _u8p(), _size()
        p, pn = _in(inner)
        key = (ctypes.c_uint8 * 33).from_buffer_copy(bytes(authority_pubkey))
        nn = (ctypes.c_uint8 * 16).from_buffer_copy(bytes(nonce)) if nonce else None
        _check(_encrypt(self._h, p, pn, key, nn, ctypes.byref(out), ctypes.byref(n),
                        ctypes.byref(err)), err)
        return _take(out, n)

    def cache_stats(self):
        """(hits, misses) of the verify-once cache."""
        hits, misses = ctypes.c_uint64(), ctypes.c_uint64()
        _ctx_stats(self._h, ctypes.byref(hits), ctypes.byref(misses))
        return hits.value, misses.value


class Share(object):
    """A decoded share's fields (format only; the proof of work is the node's to check)."""

    def __init__(self, share_type, contents):
        err, h = _Error(), _vp()
        p, n = _in(contents)
        _check(_s_parse(share_type, p, n, ctypes.byref(h), ctypes.byref(err)), err)
        try:
            size = _size()
            md = _s_message_data(h, ctypes.byref(size))
            self.message_data = ctypes.string_at(md, size.value) if md else None
            self.timestamp = _s_timestamp(h)
            self.absheight = _s_absheight(h)
            self.bits = _s_bits(h)
            payout = (ctypes.c_uint8 * 20)()
            self.payout_type = _s_payout(h, payout)
            self.payout_hash = bytes(payout)
            prev = (ctypes.c_uint8 * 32)()
            self.previous = bytes(prev) if _s_previous(h, prev) else None
        finally:
            _s_destroy(h)


class Outbox(object):
    """Authority-signed messages for the shares this node mines (at most 3)."""

    def __init__(self, context):
        err, h = _Error(), _vp()
        _check(_o_create(context._h, ctypes.byref(h), ctypes.byref(err)), err)
        self._ctx = context  # the outbox must not outlive its context
        self._h = h

    def __del__(self):
        if getattr(self, "_h", None):
            _o_destroy(self._h)
            self._h = None

    def add(self, message):
        err = _Error()
        p, n = _in(message)
        _check(_o_add(self._h, p, n, ctypes.byref(err)), err)

    def set_announcement(self, announcement):
        err = _Error()
        p, n = _in(announcement or b"")
        _check(_o_set_ann(self._h, p, n, ctypes.byref(err)), err)

    def __len__(self):
        return _o_count(self._h)

    def clear(self):
        _o_clear(self._h)

    def build(self, nonce=None):
        """message_data for the next share (b'' when nothing waits)."""
        err, out, n = _Error(), _u8p(), _size()
        nn = (ctypes.c_uint8 * 16).from_buffer_copy(bytes(nonce)) if nonce else None
        _check(_o_build(self._h, nn, ctypes.byref(out), ctypes.byref(n), ctypes.byref(err)), err)
        return _take(out, n)


class Store(object):
    """The message store behind a web API; time is passed in as ``now``."""

    def __init__(self, context, max_messages=0, max_age=0.0):
        err, h = _Error(), _vp()
        _check(_st_create(context._h, max_messages, max_age, ctypes.byref(h), ctypes.byref(err)),
               err)
        self._ctx = context
        self._h = h

    def __del__(self):
        if getattr(self, "_h", None):
            _st_destroy(self._h)
            self._h = None

    def add_verified(self, verdict, share_hash, payout_address, now):
        err, added = _Error(), _size()
        h = (ctypes.c_uint8 * 32).from_buffer_copy(bytes(share_hash))
        addr = payout_address.encode() if payout_address is not None else None
        _check(_st_add(self._h, verdict._h, h, addr, now, ctypes.byref(added), ctypes.byref(err)),
               err)
        return added.value

    def load_blob_hex(self, hex_text, now):
        err, added = _Error(), _size()
        _check(_st_load(self._h, hex_text.encode(), now, ctypes.byref(added), ctypes.byref(err)),
               err)
        return added.value

    def prune(self, active_share_hashes):
        err = _Error()
        p, n = _in(b"".join(bytes(h) for h in active_share_hashes))
        _check(_st_prune(self._h, p, n // 32, ctypes.byref(err)), err)

    def expire(self, now):
        _st_expire(self._h, now)

    def __len__(self):
        return _st_size(self._h)

    def json(self, now, msg_type=-1, limit=0, flags=0):
        """The stored messages as the reference's JSON text (newest first)."""
        err, out = _Error(), _vp()
        _check(_st_json(self._h, msg_type, limit, flags, now, ctypes.byref(out),
                        ctypes.byref(err)), err)
        return _take_str(out.value)

    def stats_json(self):
        err, out = _Error(), _vp()
        _check(_st_stats(self._h, ctypes.byref(out), ctypes.byref(err)), err)
        return _take_str(out.value)
