package io.github.pager.core;

/**
 * The file does not start with the page-file magic: it is some other kind of file, or empty.
 */
public final class NotAPageFileException extends CorruptPageFileException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the file or page concerned
   */
  public NotAPageFileException(String message) {
    super(message);
  }
}
