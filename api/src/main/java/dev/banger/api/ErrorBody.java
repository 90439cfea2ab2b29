package dev.banger.api;

/**
 * The JSON body of every error the daemon answers with.
 *
 * @param code a stable machine-readable code from {@link ErrorCode}
 * @param message what was tried, on what, and why it failed; names the VM, image or path
 */
public record ErrorBody(String code, String message) {}
