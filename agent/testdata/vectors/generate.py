#!/usr/bin/env python3
"""Writes the protocol test vectors (*.vec) from an implementation independent of the agent's
C and the host's Java code. Run it after changing a vector; the .vec files are checked in and
read by `make -C agent test` and by the Java tests. Format: see README.md in this directory."""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))

TYPES = {"HELLO": 1, "PING": 2, "PONG": 3, "POWER": 4, "POWER_ACK": 5, "OPEN": 0x10,
         "OPENED": 0x11, "DATA": 0x12, "EOF": 0x13, "WINDOW": 0x14, "RESIZE": 0x15,
         "SIGNAL": 0x16, "EXIT": 0x17, "CLOSE": 0x18}
FIELDS = {"NONCE": 1, "AGENT_VERSION": 2, "KERNEL": 3, "BOOT_TIME": 4, "UPTIME": 5,
          "HOSTNAME": 6, "TRANSPORT": 7, "MAX_PAYLOAD": 8, "WINDOW": 9, "KIND": 16, "ARG": 17,
          "ENV": 18, "CWD": 19, "USER": 20, "TTY": 21, "PATH": 22, "MODE": 23, "MTIME": 24,
          "PID": 25, "FILE_TYPE": 26, "SIZE": 27, "PORT": 28, "HOST": 29}
INT_FORMATS = {"u8": ">B", "u16": ">H", "u32": ">I", "u64": ">Q"}


def header(type_code, channel, length, version=1):
    head = struct.pack(">BBBBII", 0x42, 0x47, version, type_code, channel, length)
    return head + struct.pack(">I", zlib.crc32(head) & 0xFFFFFFFF)


def frame(type_name, channel, payload, version=1):
    return header(TYPES[type_name], channel, len(payload), version) + payload


def field_bytes(kind, value):
    if kind in INT_FORMATS:
        return struct.pack(INT_FORMATS[kind], value)
    if kind == "str":
        return value.encode("utf-8")
    return bytes.fromhex(value)


def tlv(fields):
    out = b""
    for name, kind, value in fields:
        raw = field_bytes(kind, value)
        out += struct.pack(">BH", FIELDS[name], len(raw)) + raw
    return out


def hexlines(data):
    text = data.hex()
    return [text[i:i + 64] for i in range(0, len(text), 64)] or [""]


def write(name, comment, direction, type_name, channel, expect, payload, fields=None,
          values=None, raw_frame=None, skipped=None, version_note=None):
    lines = ["# " + line for line in comment.split("\n")]
    lines += ["direction " + direction, "type " + type_name, "channel %d" % channel,
              "expect " + expect]
    if skipped is not None:
        lines.append("skipped %d" % skipped)
    for name_, kind, value in fields or []:
        shown = ("0x%x" % value) if kind in INT_FORMATS else value
        lines.append("field %s %s %s" % (name_, kind, shown))
    for key, value in values or []:
        lines.append("value %s %s" % (key, value))
    if payload is not None and not fields and not values:
        lines.append("payload " + payload.hex())
    data = raw_frame if raw_frame is not None else frame(type_name, channel, payload)
    lines += ["frame " + part for part in hexlines(data)]
    with open(os.path.join(HERE, name + ".vec"), "w") as out:
        out.write("\n".join(lines) + "\n")


def tlv_vector(name, comment, direction, type_name, channel, fields, expect="ok"):
    write(name, comment, direction, type_name, channel, expect, tlv(fields), fields=fields)


def main():
    for old in os.listdir(HERE):
        if old.endswith(".vec"):
            os.remove(os.path.join(HERE, old))

    # ---- host to agent, valid ----
    tlv_vector("hello-request", "The host opens a session.", "host", "HELLO", 0,
               [("NONCE", "u64", 0x0102030405060708)])
    write("ping", "PING echoes an opaque payload.", "host", "PING", 0, "ok", b"banger",
          values=[("bytes", b"banger".hex())])
    write("power-off", "Power the guest off.", "host", "POWER", 0, "ok", b"\x01",
          values=[("action", "1")])
    write("power-reboot", "Reboot the guest.", "host", "POWER", 0, "ok", b"\x02",
          values=[("action", "2")])
    tlv_vector("open-exec-pipes", "A command with pipes, environment, directory and user.",
               "host", "OPEN", 1,
               [("KIND", "u8", 1), ("ARG", "str", "sh"), ("ARG", "str", "-c"),
                ("ARG", "str", "echo hi"), ("ENV", "str", "A=1"), ("CWD", "str", "/tmp"),
                ("USER", "str", "nobody")])
    tlv_vector("open-exec-tty", "A command on a 24x80 terminal.", "host", "OPEN", 2,
               [("KIND", "u8", 1), ("ARG", "str", "bash"), ("TTY", "hex", "00180050")])
    tlv_vector("open-put-file", "Upload one file with mode 0644 and a time in ms.", "host",
               "OPEN", 3,
               [("KIND", "u8", 2), ("PATH", "str", "/tmp/x"), ("MODE", "u32", 0o644),
                ("MTIME", "u64", 1700000000123)])
    tlv_vector("open-get", "Download a file or a directory.", "host", "OPEN", 4,
               [("KIND", "u8", 3), ("PATH", "str", "/etc/hostname")])
    tlv_vector("open-put-tar", "Upload a directory as a tar stream.", "host", "OPEN", 5,
               [("KIND", "u8", 4), ("PATH", "str", "/srv/app")])
    tlv_vector("open-dial", "Connect to a TCP port in the guest.", "host", "OPEN", 6,
               [("KIND", "u8", 5), ("PORT", "u16", 8080), ("HOST", "str", "127.0.0.1")])
    tlv_vector("open-unknown-field", "Unknown tags are skipped (forward compatibility).", "host",
               "OPEN", 7, [("KIND", "u8", 3), ("PATH", "str", "/"), ("NONCE", "u64", 7)])
    write("data-stdin", "Input for a command.", "host", "DATA", 1, "ok", b"\x00hello\n",
          values=[("stream", "0"), ("bytes", b"hello\n".hex())])
    write("eof-stdin", "End of a command's input.", "host", "EOF", 1, "ok", b"\x00",
          values=[("stream", "0")])
    write("window-stdout", "The host can take 64 KiB more of stdout.", "host", "WINDOW", 1,
          "ok", b"\x01" + struct.pack(">I", 65536),
          values=[("stream", "1"), ("increment", "65536")])
    write("resize", "The terminal is now 50 rows by 132 columns.", "host", "RESIZE", 2, "ok",
          struct.pack(">HH", 50, 132), values=[("rows", "50"), ("cols", "132")])
    write("signal-int", "Deliver SIGINT.", "host", "SIGNAL", 2, "ok", b"\x02",
          values=[("signal", "2")])
    write("close-abort", "The host gives up on a channel.", "host", "CLOSE", 1, "ok",
          struct.pack(">H", 9) + b"aborted by host",
          values=[("code", "9"), ("message", "aborted by host")])

    # ---- host to agent, malformed: the agent closes the channel ----
    def reject(name, comment, type_name, channel, payload):
        write(name, comment, "host", type_name, channel, "reject", payload)

    reject("open-arg-with-nul", "A NUL inside ARG would truncate the argument.", "OPEN", 8,
           tlv([("KIND", "u8", 1), ("ARG", "hex", "6c7300")]))
    reject("open-exec-without-arg", "EXEC needs a program.", "OPEN", 9,
           tlv([("KIND", "u8", 1), ("CWD", "str", "/")]))
    reject("open-duplicate-cwd", "Only ARG and ENV may repeat.", "OPEN", 10,
           tlv([("KIND", "u8", 1), ("ARG", "str", "ls"), ("CWD", "str", "/"),
                ("CWD", "str", "/tmp")]))
    reject("open-relative-path", "Paths are absolute.", "OPEN", 11,
           tlv([("KIND", "u8", 2), ("PATH", "str", "tmp/x")]))
    reject("open-truncated-field", "A field announces more bytes than the payload holds.",
           "OPEN", 12, bytes.fromhex("10000101") + bytes.fromhex("110010") + b"ls")
    reject("open-unknown-kind", "KIND 9 does not exist.", "OPEN", 13, tlv([("KIND", "u8", 9)]))
    reject("open-kind-wrong-size", "KIND is one byte.", "OPEN", 14,
           tlv([("KIND", "u16", 1), ("ARG", "str", "ls")]))
    reject("open-env-without-equals", "ENV is NAME=VALUE.", "OPEN", 15,
           tlv([("KIND", "u8", 1), ("ARG", "str", "ls"), ("ENV", "str", "NOVALUE")]))
    reject("data-bad-stream", "There is no stream 7.", "DATA", 1, b"\x07abc")
    reject("data-empty", "DATA needs at least its stream byte.", "DATA", 1, b"")
    reject("window-short", "WINDOW is 5 bytes.", "WINDOW", 1, b"\x01\x00\x10")
    reject("window-zero", "A zero increment is meaningless.", "WINDOW", 1,
           b"\x01\x00\x00\x00\x00")
    reject("signal-zero", "Signal numbers start at 1.", "SIGNAL", 2, b"\x00")
    reject("resize-short", "RESIZE is 4 bytes.", "RESIZE", 2, b"\x00\x18\x00")
    reject("power-unknown", "Only 1 (off) and 2 (reboot).", "POWER", 0, b"\x09")
    reject("hello-without-nonce", "HELLO must carry a nonce.", "HELLO", 0,
           tlv([("AGENT_VERSION", "str", "x")]))

    # ---- agent to host, valid ----
    tlv_vector("hello-reply", "The agent answers a HELLO.", "agent", "HELLO", 0,
               [("NONCE", "u64", 0x0102030405060708), ("AGENT_VERSION", "str", "0.1.0"),
                ("KERNEL", "str", "Linux 6.1.0-28-cloud-amd64 x86_64"),
                ("BOOT_TIME", "u64", 1700000000000), ("UPTIME", "u64", 1234),
                ("HOSTNAME", "str", "brave-otter"), ("TRANSPORT", "str", "serial"),
                ("MAX_PAYLOAD", "u32", 65536), ("WINDOW", "u32", 262144)])
    write("pong", "The agent echoes a PING.", "agent", "PONG", 0, "ok", b"banger",
          values=[("bytes", b"banger".hex())])
    write("power-ack", "The agent acknowledges a POWER request.", "agent", "POWER_ACK", 0, "ok",
          b"")
    tlv_vector("opened-exec", "The command runs as pid 4242.", "agent", "OPENED", 1,
               [("KIND", "u8", 1), ("PID", "u32", 4242)])
    tlv_vector("opened-get-file", "GET of a regular file: what the host will receive.",
               "agent", "OPENED", 4,
               [("KIND", "u8", 3), ("FILE_TYPE", "u8", 1), ("SIZE", "u64", 1234),
                ("MODE", "u32", 0o644), ("MTIME", "u64", 1700000000123)])
    tlv_vector("opened-dial", "The TCP connection is established.", "agent", "OPENED", 6,
               [("KIND", "u8", 5)])
    write("data-stdout", "Output on stdout.", "agent", "DATA", 1, "ok", b"\x01hi\n",
          values=[("stream", "1"), ("bytes", b"hi\n".hex())])
    write("data-stderr", "Output on stderr.", "agent", "DATA", 1, "ok", b"\x02oops\n",
          values=[("stream", "2"), ("bytes", b"oops\n".hex())])
    write("eof-stdout", "stdout is finished.", "agent", "EOF", 1, "ok", b"\x01",
          values=[("stream", "1")])
    write("window-stdin", "The agent can take 4 KiB more input.", "agent", "WINDOW", 1, "ok",
          b"\x00" + struct.pack(">I", 4096), values=[("stream", "0"), ("increment", "4096")])
    write("exit-code", "The command exited with status 3.", "agent", "EXIT", 1, "ok",
          b"\x00" + struct.pack(">i", 3), values=[("how", "0"), ("value", "3")])
    write("exit-signal", "The command was killed by signal 9.", "agent", "EXIT", 1, "ok",
          b"\x01" + struct.pack(">i", 9), values=[("how", "1"), ("value", "9")])
    write("close-ok", "The channel finished normally.", "agent", "CLOSE", 1, "ok",
          struct.pack(">H", 0), values=[("code", "0"), ("message", "")])
    message = 'inspecting "/nope": No such file or directory'
    write("close-not-found", "The channel failed: what was tried, on what, and why.", "agent",
          "CLOSE", 4, "ok", struct.pack(">H", 4) + message.encode(),
          values=[("code", "4"), ("message", message)])

    # ---- agent to host, malformed: the host fails the channel ----
    def reject_from_agent(name, comment, type_name, channel, payload):
        write(name, comment, "agent", type_name, channel, "reject", payload)

    reject_from_agent("exit-short", "EXIT is 5 bytes.", "EXIT", 1, b"\x00\x00\x00\x03")
    reject_from_agent("opened-without-kind", "OPENED names its kind.", "OPENED", 1,
                      tlv([("PID", "u32", 1)]))
    reject_from_agent("hello-reply-without-nonce", "A reply must name the HELLO it answers.",
                      "HELLO", 0, tlv([("AGENT_VERSION", "str", "0.1.0")]))
    reject_from_agent("data-on-input-stream", "The agent never sends on stream 0.", "DATA", 1,
                      b"\x00abc")
    reject_from_agent("close-message-too-long", "CLOSE messages are at most 1024 bytes.",
                      "CLOSE", 1, struct.pack(">H", 6) + b"x" * 1025)

    # ---- stream level: resynchronisation and refused headers ----
    ping = frame("PING", 0, b"ok")
    write("resync-garbage-prefix", "Bytes that cannot start a frame are skipped.", "host",
          "PING", 0, "resync", b"ok", values=[("bytes", b"ok".hex())],
          raw_frame=b"zzz" + ping, skipped=3)
    bad = bytearray(header(TYPES["PING"], 0, 2))
    bad[15] ^= 0xFF
    write("resync-bad-crc", "A header whose checksum fails is skipped byte by byte.", "host",
          "PING", 0, "resync", b"ok", values=[("bytes", b"ok".hex())],
          raw_frame=bytes(bad) + ping, skipped=16)
    write("resync-magic-then-garbage", "A lone magic byte followed by garbage.", "host", "PING",
          0, "resync", b"ok", values=[("bytes", b"ok".hex())],
          raw_frame=b"\x42\x00\x42" + ping, skipped=3)
    write("oversize", "A payload above 65536 bytes is refused from its header alone.", "host",
          "DATA", 7, "oversize", None, raw_frame=header(TYPES["DATA"], 7, 65537))
    write("bad-version", "Version 2 frames are refused; the frame is skipped whole.", "host",
          "PING", 0, "bad-version", b"ok", values=[("bytes", b"ok".hex())],
          raw_frame=frame("PING", 0, b"ok", version=2))


if __name__ == "__main__":
    main()
