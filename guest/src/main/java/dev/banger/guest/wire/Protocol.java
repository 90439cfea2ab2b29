package dev.banger.guest.wire;

/** Fixed numbers of protocol version 1, see {@code docs/agent-protocol.md}; constants only. */
public final class Protocol {
  /** First byte of every frame. */
  public static final int MAGIC0 = 0x42;

  /** Second byte of every frame. */
  public static final int MAGIC1 = 0x47;

  /** The protocol version this code speaks. */
  public static final int VERSION = 1;

  /** Bytes in a frame header. */
  public static final int HEADER_SIZE = 16;

  /** Largest payload a frame may carry. */
  public static final int MAX_PAYLOAD = 65536;

  /** Largest number of stream bytes in one DATA frame (the payload minus its stream byte). */
  public static final int MAX_DATA = MAX_PAYLOAD - 1;

  /** Bytes each side may send on a stream before the receiver grants more. */
  public static final int INITIAL_WINDOW = 262144;

  /** Largest PING payload. */
  public static final int MAX_PING = 1024;

  /** Largest CLOSE message, in bytes. */
  public static final int MAX_CLOSE_MESSAGE = 1024;

  /** Channels one connection may have open at once. */
  public static final int MAX_CHANNELS = 1024;

  /** Channel of HELLO, PING and POWER. */
  public static final int CONTROL_CHANNEL = 0;

  /** AF_VSOCK port the agent listens on in the guest. */
  public static final int VSOCK_PORT = 10789;

  /** Stream from the host to the channel (stdin, upload, outgoing bytes of a dial). */
  public static final int STREAM_IN = 0;

  /** Stream from the channel to the host (stdout, download, incoming bytes of a dial). */
  public static final int STREAM_OUT = 1;

  /** A command's stderr. */
  public static final int STREAM_ERR = 2;

  /** POWER action: power off. */
  public static final int POWER_OFF = 1;

  /** POWER action: reboot. */
  public static final int POWER_REBOOT = 2;

  private Protocol() {}
}
