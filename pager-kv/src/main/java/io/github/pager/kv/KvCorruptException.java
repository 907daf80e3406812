package io.github.pager.kv;

import io.github.pager.core.CorruptPageFileException;

/**
 * A page of the key-value store breaks its format: a node whose magic, level or checksum is
 * wrong, or an overflow run whose bytes do not match the checksum its cell records. The message
 * names the file and the page.
 */
public final class KvCorruptException extends CorruptPageFileException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what is wrong, naming the file and the page
   */
  public KvCorruptException(String message) {
    super(message);
  }
}
