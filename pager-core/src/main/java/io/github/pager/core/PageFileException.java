package io.github.pager.core;

import java.io.IOException;

/**
 * A page file cannot be used as it is: the base of every checked exception about a file's
 * content or state, each naming the file and what is wrong with it.
 */
public class PageFileException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the file or page concerned
   */
  public PageFileException(String message) {
    super(message);
  }

  /**
   * Creates the exception with its cause.
   *
   * @param message what went wrong, naming the file or page concerned
   * @param cause the failure underneath
   */
  public PageFileException(String message, Throwable cause) {
    super(message, cause);
  }
}
