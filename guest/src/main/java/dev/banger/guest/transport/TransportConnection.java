package dev.banger.guest.transport;

import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * An open byte stream to an agent. One thread may read while another writes; closing from any
 * thread unblocks both.
 */
public interface TransportConnection extends Closeable {
  /** Bytes from the agent. */
  InputStream input();

  /** Bytes to the agent. */
  OutputStream output();

  /** Where this connection goes, for messages ("serial socket /run/banger/vm1/agent.sock"). */
  String description();

  /** Closes the stream; never throws. */
  @Override
  void close();
}
