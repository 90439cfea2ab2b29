package dev.banger.api;

/**
 * How to reach a VM with the system's ssh client.
 *
 * @param host the address to connect to
 * @param port the port
 * @param user the guest user
 * @param identityFile the private key banger authorised in the guest
 * @param knownHosts the per-VM known_hosts file (the user's own is never touched)
 */
public record SshEndpoint(
    String host, int port, String user, String identityFile, String knownHosts) {}
