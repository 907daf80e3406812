package io.github.pager.core;

/**
 * The file is shorter than its metadata says: pages it counts are missing from the end.
 */
public final class TruncatedPageFileException extends CorruptPageFileException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the file or page concerned
   */
  public TruncatedPageFileException(String message) {
    super(message);
  }
}
