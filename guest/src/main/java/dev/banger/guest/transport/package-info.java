/**
 * Byte streams to an agent: a Unix socket (the agent on the host, for tests), Firecracker's vsock
 * Unix socket with its {@code CONNECT} handshake, and QEMU's serial chardev socket.
 */
package dev.banger.guest.transport;
