package io.github.pager.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The check a writer makes before it takes a file's writer lock: does the file start with the
 * page-file magic?
 *
 * <p>Taking the lock creates the file's lock file (FORMAT.md, "The lock file"). A file that is
 * not a page file at all must be left as it was found, with no lock file beside it, so a writer
 * reads the magic first, through a descriptor of its own that carries no lock. Everything else
 * about the file is checked after the lock is held, when no other writer can change it.
 */
final class PageFileMagic {
  private PageFileMagic() {}

  /**
   * Reads the first bytes of a file and refuses it when they are not the page-file magic.
   *
   * @param path the file
   * @throws java.nio.file.NoSuchFileException when the file does not exist
   * @throws NotAPageFileException when the file is too short or has no magic at offset 0
   * @throws IOException when the file cannot be read
   */
  static void require(Path path) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size < Format.SB_LENGTH) {
        throw new NotAPageFileException(path + " is not a page file: it is only " + size + " bytes long");
      }
      ByteBuffer magic = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      while (magic.hasRemaining() && channel.read(magic, Format.SB_MAGIC + magic.position()) >= 0) {
        // A short read of a regular file only happens at its end, which lies beyond the magic.
      }
      if (magic.hasRemaining() || magic.getLong(0) != Format.SB_MAGIC_VALUE) {
        throw new NotAPageFileException(path + " is not a page file: no page-file magic at offset 0");
      }
    }
  }
}
