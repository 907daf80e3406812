package io.github.pager.core;

/**
 * The file declares a format version newer than this library reads; it was written by a newer
 * release and is left untouched.
 */
public final class UnsupportedFormatVersionException extends PageFileException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the file or page concerned
   */
  public UnsupportedFormatVersionException(String message) {
    super(message);
  }
}
