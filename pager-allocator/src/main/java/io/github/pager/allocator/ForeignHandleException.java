package io.github.pager.allocator;

/**
 * A handle was given to an allocator that did not make it: another file, another page size, or
 * another sub-page size. Nothing was read or changed.
 */
public final class ForeignHandleException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which handle, and which allocator refused it
   */
  public ForeignHandleException(String message) {
    super(message);
  }
}
