import NIOCore
import NIOEmbedded
import Testing

@testable import Mail

/// The reply timeout measures the server: it runs from a command to the next complete reply, so a client that
/// reads its replies late (a busy machine) never times out a server that answered in time.
@Suite("SMTP reply timeout")
struct ReplyTimeoutTests {
    func makeChannel() throws -> (EmbeddedChannel, AsyncThrowingStream<SMTPReply, any Error>) {
        let (replies, continuation) = AsyncThrowingStream.makeStream(of: SMTPReply.self)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            SMTPReplyHandler(continuation: continuation, timeout: .seconds(30)))
        return (channel, replies)
    }

    @Test func aReplyInTimeIsKeptHoweverLateItIsRead() async throws {
        let (channel, replies) = try makeChannel()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 25)).get()
        try channel.writeInbound(ByteBuffer(string: "220 ready\r\n"))
        try channel.writeOutbound(ByteBuffer(string: "EHLO x\r\n"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        try channel.writeInbound(ByteBuffer(string: "250-hello\r\n250 SIZE 1000\r\n"))
        // Nothing is asked of the server now: an hour passes before the client reads.
        channel.embeddedEventLoop.advanceTime(by: .hours(1))
        #expect(channel.isActive)
        var iterator = replies.makeAsyncIterator()
        #expect(try await iterator.next() == SMTPReply(code: 220, lines: ["ready"]))
        #expect(try await iterator.next() == SMTPReply(code: 250, lines: ["hello", "SIZE 1000"]))
    }

    @Test func aServerSilentAfterACommandTimesOut() async throws {
        let (channel, replies) = try makeChannel()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 25)).get()
        try channel.writeInbound(ByteBuffer(string: "220 ready\r\n"))
        try channel.writeOutbound(ByteBuffer(string: "MAIL FROM:<a@b.c>\r\n"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(channel.isActive)
        // Half a reply is not a reply.
        try channel.writeInbound(ByteBuffer(string: "250-partial\r\n"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
        var iterator = replies.makeAsyncIterator()
        #expect(try await iterator.next() == SMTPReply(code: 220, lines: ["ready"]))
        await #expect(throws: SMTPConnectionFailure.self) { _ = try await iterator.next() }
    }

    @Test func aSilentGreetingTimesOut() async throws {
        let (channel, replies) = try makeChannel()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 25)).get()
        channel.embeddedEventLoop.advanceTime(by: .seconds(31))
        var iterator = replies.makeAsyncIterator()
        await #expect(throws: SMTPConnectionFailure.self) { _ = try await iterator.next() }
    }
}
