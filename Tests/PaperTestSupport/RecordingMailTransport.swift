import Mail

/// A transport for tests: records the messages it is given; failures can be scripted.
public actor RecordingMailTransport: MailTransport {
    public private(set) var sent: [MailMessage] = []
    private var failures: [DeliveryError] = []

    public init() {}

    /// The next `count` sends throw `error` (after any failures already scheduled) and record nothing.
    public func failNext(_ count: Int, with error: DeliveryError) {
        failures += Array(repeating: error, count: max(0, count))
    }

    /// Renders the message like a real transport would (so invalid messages fail here too), then records it.
    public func send(_ message: MailMessage) async throws {
        if !failures.isEmpty { throw failures.removeFirst() }
        try await DryRunMailTransport().send(message)
        sent.append(message)
    }
}
