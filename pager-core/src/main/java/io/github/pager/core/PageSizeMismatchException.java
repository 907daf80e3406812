package io.github.pager.core;

/**
 * The file's page size differs from the one the caller asked to open it with.
 */
public final class PageSizeMismatchException extends PageFileException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the file or page concerned
   */
  public PageSizeMismatchException(String message) {
    super(message);
  }
}
