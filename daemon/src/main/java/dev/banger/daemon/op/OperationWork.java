package dev.banger.daemon.op;

/** The work of an operation; it returns a final note for the operation's message. */
@FunctionalInterface
public interface OperationWork {
  /** Does the work, reporting through {@code context}; throws to fail the operation. */
  String run(OperationContext context) throws Exception;
}
