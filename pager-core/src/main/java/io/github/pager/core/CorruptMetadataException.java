package io.github.pager.core;

/**
 * No usable metadata: both copies (pages 1 and 2) fail their checks, or the free-space tree under
 * the active one fails its checksums. The message lists what was wrong with each.
 */
public final class CorruptMetadataException extends CorruptPageFileException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the file or page concerned
   */
  public CorruptMetadataException(String message) {
    super(message);
  }
}
