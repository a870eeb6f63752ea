import Foundation
import Mail

/// A `MailMessage` as the outbox keeps it: the rendered parts, as JSON, so that a retry sends exactly what was
/// rendered the first time.
struct StoredMail: Codable {
    struct Address: Codable {
        var address: String
        var displayName: String?
    }

    var from: Address
    var to: Address
    var subject: String
    var text: String
    var html: String?
    var messageID: String
    var date: Date
    var headers: [[String]]

    init(_ message: MailMessage) {
        from = Address(address: message.from.address, displayName: message.from.displayName)
        to = Address(address: message.to.address, displayName: message.to.displayName)
        subject = message.subject
        text = message.textBody
        html = message.htmlBody
        messageID = message.messageID
        date = message.date
        headers = message.extraHeaders.map { [$0.name, $0.value] }
    }

    func message() throws -> MailMessage {
        MailMessage(
            from: try MailAddress(from.address, displayName: from.displayName),
            to: try MailAddress(to.address, displayName: to.displayName), subject: subject, textBody: text,
            htmlBody: html,
            messageID: messageID, date: date,
            extraHeaders: headers.compactMap { $0.count == 2 ? (name: $0[0], value: $0[1]) : nil })
    }

    static func encode(_ message: MailMessage) -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(StoredMail(message)), as: UTF8.self)
    }

    static func decode(_ payload: String) throws -> MailMessage {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode(StoredMail.self, from: Data(payload.utf8)).message()
    }
}
