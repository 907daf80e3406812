package io.github.pager.core;

/**
 * Another writer (a pager in this process or another process) holds the file open for writing.
 */
public final class PageFileLockedException extends PageFileException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the file or page concerned
   */
  public PageFileLockedException(String message) {
    super(message);
  }
}
