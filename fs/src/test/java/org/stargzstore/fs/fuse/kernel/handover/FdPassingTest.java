package org.stargzstore.fs.fuse.kernel.handover;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Descriptors passed over real unix sockets arrive as the same open file. */
class FdPassingTest {
  private final SocketCalls calls = SocketCalls.get();
  @TempDir Path tmp;

  @Test
  void aDescriptorSentOverASeqpacketSocketIsTheSameOpenPipe() throws IOException {
    Path path = tmp.resolve("h.sock");
    int[] pipe = Pipes.open(calls);
    try (SeqPacketSocket listener = SeqPacketSocket.listen(calls, path);
        SeqPacketSocket client = SeqPacketSocket.connect(calls, path);
        SeqPacketSocket server = listener.accept()) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
      client.send(FdMessage.text("KEEP\n/mnt", pipe[1]));
      FdMessage got = server.receive().orElseThrow();
      assertEquals("KEEP\n/mnt", got.text());
      int received = got.fd().orElseThrow();
      assertNotEquals(pipe[1], received);
      Pipes.write(calls, received, "through the passed descriptor");
      assertEquals("through the passed descriptor", Pipes.read(calls, pipe[0], 100));
      calls.close(received);

      SeqPacketSocket.PeerCredentials peer = server.peer();
      assertEquals(calls.geteuid(), peer.uid());
      assertEquals(ProcessHandle.current().pid(), peer.pid());

      client.send(FdMessage.text("no descriptor"));
      FdMessage plain = server.receive().orElseThrow();
      assertEquals("no descriptor", plain.text());
      assertTrue(plain.fd().isEmpty());

      client.close();
      assertEquals(Optional.empty(), server.receive(), "end of stream once the peer closed");
    } finally {
      calls.close(pipe[0]);
      calls.close(pipe[1]);
    }
  }
}
