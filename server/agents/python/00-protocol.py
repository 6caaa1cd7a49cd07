# Remote Exec -- the Python agent.  Protocol version 2 (protocol/PROTOCOL.md is normative).
#
# Sent to the interpreter by the host and run by the loader of PROTOCOL.md section 1:
#   python3 -c "import sys;b=sys.stdin.buffer;exec(compile(b.read(int(b.readline())),'remote-exec-agent','exec'))"
# Self-contained: Python >= 3.8, standard library only; the C `msgpack` package is used when it can
# be imported (REMOTE_EXEC_PURE=1 forces the pure-Python codec, for tests).  It ships as one file,
# assembled from the modules of server/agents/python/ in the order of their names; this first one
# holds the protocol's tables.

PROTOCOL_VERSION = 2       # the highest this agent speaks; it speaks every version from 1 up (section 4)

# The messages (PROTOCOL.md section 3), one line each: code, name, who sends it, and the Gateway method
# that handles it when it arrives here.  Messages only agents send are refused by _h_wrong_direction.
MESSAGES = (
    (0, 'HELLO', 'both', '_h_hello'),
    (1, 'EXEC', 'host->agent', '_h_exec'),
    (2, 'DATA', 'both', '_h_data'),
    (3, 'CLOSE', 'both', '_h_close'),
    (4, 'CLOSE_ERROR', 'both', '_h_close_error'),
    (5, 'LAST_MESSAGE', 'both', '_h_last_message'),
    (6, 'STATUS', 'host->agent', '_h_status'),
    (7, 'TERMINATE', 'host->agent', '_h_terminate'),
    (8, 'INTERRUPT', 'host->agent', '_h_interrupt'),
    (9, 'STDOUT', 'agent->host', '_h_wrong_direction'),
    (10, 'STDERR', 'agent->host', '_h_wrong_direction'),
    (11, 'LOG', 'agent->host', '_h_wrong_direction'),
    (12, 'ERROR', 'both', '_h_error'),
    (13, 'CREDIT', 'both', '_h_credit'),
    (14, 'DISPLAY', 'agent->host', '_h_wrong_direction'),
    (20, 'OBJECT', 'both', '_h_object'),
    (21, 'REPLY', 'both', '_h_reply'),
    (22, 'REPLY_ERROR', 'both', '_h_reply_error'),
    (23, 'RELEASE', 'host->agent', '_h_release'),
    (24, 'CALLBACK', 'agent->host', '_h_wrong_direction'),
    (25, 'INPUT', 'agent->host', '_h_wrong_direction'),
)
# The codes by name, in the table's order (a unit test checks the order against the table).
(HELLO, EXEC, DATA, CLOSE, CLOSE_ERROR, LAST_MESSAGE, STATUS, TERMINATE, INTERRUPT, STDOUT, STDERR, LOG,
 ERROR, CREDIT, DISPLAY, OBJECT, REPLY, REPLY_ERROR, RELEASE, CALLBACK, INPUT) = (code for code, _, _, _ in MESSAGES)
MSG_NAMES = dict((code, name) for code, name, _, _ in MESSAGES)
N_CODES = MESSAGES[-1][0] + 1

# extension types (section 6)
EXT_OBJECT = 1      # [objectId, typeName, callable]
EXT_HOSTFN = 2      # [hostFunctionId]
EXT_CHANNEL = 3     # channel id
EXT_EXCEPTION = 4   # [type, message, traceback]
EXT_TUPLE = 5       # array
EXT_MAP = 6         # array of [key, value]
EXT_BIGINT = 7      # two's complement big-endian, minimal length
EXT_SET = 8         # array of items (version 2)
EXT_FROZENSET = 9   # array of items (version 2)
EXT_COMPLEX = 10    # [real: float 64, imag: float 64] (version 2)

import sys
import os
import struct
import threading
import time
import collections
import select
import builtins
import warnings
import linecache
import weakref
import importlib
import io

CAPABILITIES = ['exec', 'objects', 'callbacks', 'interrupt', 'logs', 'session']
DEFAULT_MAXFRAME = 256 * 1024 * 1024
BIG_BIN = 32 * 1024          # binaries at least this big are written without copying (writev)
RBUF_SIZE = 256 * 1024       # read buffer; larger frames get a buffer of their own
BIG_KEEP = 64 * 1024 * 1024  # the big-frame buffer is kept for reuse up to this size
REPR_LIMIT = 1000
LOG_QUEUE_MAX = 1000
EARLY_MAX = 10000
MAX_WORKERS = 1024
OBJ_ACTIVE = 2               # object requests run on at most this many unblocked workers ...
OBJ_STALL = 0.02             # ... plus one more when requests are queued and none finished for this long
BG_GRACE = 0.0005            # the background reader leaves the stream to a task that just read it
BG_WATCH = 0.002             # ... and checks this often whether the task stopped reading
BG_WATCH_IDLE = 0.05         # ... while that task became the reader less than this long ago
BG_READERS = 3               # background readers at most: one reads while others run what they read
WRITE_QUEUE_MAX = 8 * 1024 * 1024
WRITE_BATCH = 64 * 1024      # small DATA frames wait to be written together up to this many bytes ...
WRITE_DELAY = 0.001          # ... or this long at most
IOV_MAX = 512
SPIN_DEFAULT = 50e-6         # after traffic the reader polls this long before it blocks (host HELLO spinUs)
LISTING_ITEMS = 1000          # the namespace listing sends a plain value by value up to this many items ...
LISTING_BYTES = 64 * 1024     # ... and str/bytes up to this size; bigger ones as references, read on demand
OUT_BATCH = 64 * 1024        # characters of sys.stdout/stderr text sent as one batch ...
OUT_FLUSH = 0.01             # ... or this long after a batch's first write, whichever comes first
OUT_CHUNK = 1 << 20          # output is sent in frames of at most this many bytes
# messages a task's batched output is sent before, so the host sees them in the order they were written
AFTER_OUTPUT = frozenset((DATA, CLOSE, CLOSE_ERROR, REPLY, REPLY_ERROR, CALLBACK))

_AGENT_FILE = (lambda: 0).__code__.co_filename
_mono = time.monotonic
_tls = threading.local()
_get_ident = threading.get_ident
