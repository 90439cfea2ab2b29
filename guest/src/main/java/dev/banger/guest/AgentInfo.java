package dev.banger.guest;

import java.time.Duration;
import java.time.Instant;

/**
 * What the agent said about its guest when the session started. Immutable.
 *
 * @param agentVersion the agent's version
 * @param kernel the guest kernel ("Linux 6.1.0-28-cloud-amd64 x86_64")
 * @param bootTime when the guest booted, by the guest's clock
 * @param uptime time from boot to the agent's answer
 * @param hostname the guest's hostname
 * @param transport the transport as the agent names it ("serial", "vsock", "unix")
 */
public record AgentInfo(
    String agentVersion,
    String kernel,
    Instant bootTime,
    Duration uptime,
    String hostname,
    String transport) {}
