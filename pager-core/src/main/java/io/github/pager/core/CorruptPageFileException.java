package io.github.pager.core;

/**
 * The file's bytes break the format: a checksum mismatch, an impossible value, or missing
 * pages. Reopening will not help; the file needs repair or a backup.
 */
public class CorruptPageFileException extends PageFileException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the file or page concerned
   */
  public CorruptPageFileException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the file or page concerned
   * @param cause the failure underneath
   */
  public CorruptPageFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
