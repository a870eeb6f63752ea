/// Where and how to submit mail, usually from a URL such as
/// `smtp://digest%40example.org:s3cret@mail.example.org:587?starttls=required`.
public struct SMTPConfiguration: Sendable, Equatable {
    /// `plain`: never TLS (`smtp://...?starttls=never`). `startTLS`: upgrade when the server offers STARTTLS
    /// (`smtp://`; with `requireTLS` the upgrade is mandatory). `implicitTLS`: TLS from the first byte (`smtps://`).
    public enum Security: Sendable, Equatable { case plain, startTLS, implicitTLS }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// The name sent with EHLO/HELO.
    public var heloName: String = "localhost"
    /// For connecting and for each command's reply (and the TLS handshake).
    public var timeout: Duration = .seconds(30)
    /// `false` only for tests with self-signed certificates (`?verify=false`).
    public var verifyCertificates: Bool = true
    /// With `?starttls=required`, delivery fails when the server does not offer STARTTLS.
    public var requireTLS: Bool = false

    /// Parses `smtp[s]://[user:pass@]host[:port][?verify=false&starttls=required|opportunistic|never]`;
    /// credentials are percent-decoded; the default port is 25 for smtp and 465 for smtps.
    /// Throws `MailError(.invalidConfiguration)`.
    public init(url: String) throws {
        func fail(_ why: String) -> MailError { MailError(.invalidConfiguration, "SMTP URL: \(why)") }
        guard !HeaderSyntax.containsControl(url) else { throw fail("contains control characters") }
        guard let schemeEnd = url.range(of: "://") else {
            throw fail("expected smtp://host[:port] or smtps://host[:port]")
        }
        switch url[..<schemeEnd.lowerBound].lowercased() {
        case "smtp": security = .startTLS; port = 25
        case "smtps": security = .implicitTLS; port = 465
        case let other: throw fail("unsupported scheme \"\(other)\" (use smtp or smtps)")
        }
        var rest = url[schemeEnd.upperBound...]
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...] == "/" else { throw fail("unexpected path \"\(rest[slash...])\"") }
            rest = rest[..<slash]
        }
        var hostPort = rest
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            hostPort = rest[rest.index(after: at)...]
            guard let colon = userInfo.firstIndex(of: ":") else {
                throw fail("credentials need both a user and a password (user:password@host)")
            }
            guard let user = String(userInfo[..<colon]).removingPercentEncoding,
                let pass = String(userInfo[userInfo.index(after: colon)...]).removingPercentEncoding
            else { throw fail("invalid percent-encoding in the credentials") }
            guard !user.isEmpty else { throw fail("empty user name") }
            username = user
            password = pass
        }
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw fail("unterminated [IPv6 address]") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw fail("unexpected text after the IPv6 address") }
                portText = after.dropFirst()
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw fail("invalid IPv6 address \"\(host)\"")
            }
        } else {
            if let colon = hostPort.lastIndex(of: ":") {
                portText = hostPort[hostPort.index(after: colon)...]
                hostPort = hostPort[..<colon]
            }
            host = hostPort.lowercased()
            guard !host.isEmpty else { throw fail("missing host") }
            guard host.allSatisfy({ ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" || $0 == "." }) else {
                throw fail("invalid host \"\(host)\"")
            }
        }
        if let portText {
            guard let number = Int(portText), (1...65535).contains(number) else {
                throw fail("invalid port \"\(portText)\"")
            }
            port = number
        }
        for item in query.split(separator: "&") where !item.isEmpty {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = pair[0].lowercased()
            let value = pair.count > 1 ? (String(pair[1]).removingPercentEncoding ?? "") : ""
            switch (key, value.lowercased()) {
            case ("verify", "false"), ("verify", "0"), ("verify", "no"): verifyCertificates = false
            case ("verify", "true"), ("verify", "1"), ("verify", "yes"): verifyCertificates = true
            case ("starttls", "required"):
                guard security != .plain else { throw fail("starttls=required conflicts with starttls=never") }
                requireTLS = true
            case ("starttls", "opportunistic"): requireTLS = false
            case ("starttls", "never"):
                guard security == .startTLS, !requireTLS else {
                    throw fail("starttls=never conflicts with smtps:// or starttls=required")
                }
                security = .plain
            case ("helo", _):
                guard !value.isEmpty, HeaderSyntax.isPrintableASCII(value), !value.contains(" ") else {
                    throw fail("invalid helo name \"\(value)\"")
                }
                heloName = value
            case ("timeout", _):
                guard let seconds = Int(value), seconds > 0 else {
                    throw fail("timeout must be a positive number of seconds")
                }
                timeout = .seconds(seconds)
            default:
                throw fail(
                    "unknown option \"\(item)\" (known: verify=false, starttls=required|opportunistic|never, helo=NAME, timeout=SECONDS)"
                )
            }
        }
    }
}

extension SMTPConfiguration: CustomStringConvertible {
    /// The URL form with the password left out, safe for logs.
    public var description: String {
        let scheme = security == .implicitTLS ? "smtps" : "smtp"
        let user = username.map { "\($0):***@" } ?? ""
        let hostPart = host.contains(":") ? "[\(host)]" : host
        var options: [String] = []
        if !verifyCertificates { options.append("verify=false") }
        if requireTLS { options.append("starttls=required") }
        if security == .plain { options.append("starttls=never") }
        return "\(scheme)://\(user)\(hostPart):\(port)" + (options.isEmpty ? "" : "?" + options.joined(separator: "&"))
    }
}
