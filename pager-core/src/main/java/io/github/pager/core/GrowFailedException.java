package io.github.pager.core;

/**
 * The file could not grow (for example, the disk is full). The operation that needed the room
 * was rolled back; the file and the pager are as they were before it, and the pager stays usable.
 */
public final class GrowFailedException extends PageFileException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the file or page concerned
   * @param cause the failure underneath
   */
  public GrowFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
