/**
 * The agent protocol on the wire, as specified in {@code docs/agent-protocol.md}: frame headers
 * with their checksum, the resynchronising frame parser, tag-length-value fields, and the typed
 * payloads the host sends and receives. Everything that decodes treats its input as hostile.
 */
package dev.banger.guest.wire;
