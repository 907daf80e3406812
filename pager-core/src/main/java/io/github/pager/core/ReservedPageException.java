package io.github.pager.core;

/**
 * A page the pager keeps for itself (the superblock, the metadata pages, or a page of the
 * free-space tree) was passed where a user page was expected.
 */
public final class ReservedPageException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the file or page concerned
   */
  public ReservedPageException(String message) {
    super(message);
  }
}
