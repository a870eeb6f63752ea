import Crypto
import Foundation
import PaperStore

/// Signed, expiring tokens for links in mail: confirm a subscription, unsubscribe, manage preferences.
///
/// A token is `<subscriber id>.<expiry, unix seconds>.<HMAC-SHA256>` with the MAC (base64url) taken over the
/// purpose, the id and the expiry, so a token for one purpose or subscriber cannot be turned into another. The
/// key is a random 32-byte secret kept in the store (`secret(named:)`), so links survive restarts. No login
/// needed: holding the link is the authorization, as with every mailing list.
public struct SubscriptionTokens: Sendable {
    public enum Purpose: String, Sendable {
        case confirm, unsubscribe, preferences
    }

    /// Confirmation links expire after a week; unsubscribe and preference links last (practically) forever.
    public static let confirmationLifetime: TimeInterval = 7 * 24 * 3600
    public static let longLifetime: TimeInterval = 10 * 365 * 24 * 3600

    let keyData: Data

    public init(key: Data) {
        self.keyData = key
    }

    /// The signing key of `store`, created on first use.
    public static func load(from store: any PaperStore) async throws -> SubscriptionTokens {
        let key = try await store.secret(named: "digest-token-key") {
            var generator = SystemRandomNumberGenerator()
            return Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        return SubscriptionTokens(key: key)
    }

    public func make(_ purpose: Purpose, subscriberID: Int64, now: Date = Date()) -> String {
        let lifetime = purpose == .confirm ? Self.confirmationLifetime : Self.longLifetime
        let expiry = Int64(now.timeIntervalSince1970 + lifetime)
        return "\(subscriberID).\(expiry).\(Self.base64url(mac(purpose, subscriberID, expiry)))"
    }

    public enum Failure: Error, Equatable, Sendable {
        case malformed, badSignature, expired
    }

    /// The subscriber id a valid, unexpired token of `purpose` names.
    public func verify(_ token: String, _ purpose: Purpose, now: Date = Date()) throws(Failure) -> Int64 {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count <= 19, parts[1].count <= 19,
            let id = Int64(parts[0]), let expiry = Int64(parts[1]), let sent = Self.decodeBase64url(String(parts[2]))
        else { throw .malformed }
        let expected = mac(purpose, id, expiry)
        // Constant time: compare every byte whatever the first difference.
        guard sent.count == expected.count, zip(sent, expected).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            throw .badSignature
        }
        guard Double(expiry) > now.timeIntervalSince1970 else { throw .expired }
        return id
    }

    func mac(_ purpose: Purpose, _ id: Int64, _ expiry: Int64) -> [UInt8] {
        Array(
            HMAC<SHA256>.authenticationCode(
                for: Data("paperboy-digest|\(purpose.rawValue)|\(id)|\(expiry)".utf8),
                using: SymmetricKey(data: keyData)))
    }

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(
            of: "/", with: "_"
        )
        .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64url(_ text: String) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return nil
        }
        var base = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base.count % 4 != 0 { base += "=" }
        return Data(base64Encoded: base).map(Array.init)
    }
}
