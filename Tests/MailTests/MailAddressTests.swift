import Foundation
import Mail
import Testing

@Suite("Mail addresses")
struct MailAddressTests {
    @Test func parsesNameAndAddress() throws {
        let address = try MailAddress.parse("Ada Lovelace <ada@example.org>")
        #expect(address.address == "ada@example.org")
        #expect(address.displayName == "Ada Lovelace")
        #expect(address.description == "\"Ada Lovelace\" <ada@example.org>")
    }

    @Test func parsesBareAndBracketedAddresses() throws {
        #expect(try MailAddress.parse("ada@example.org") == MailAddress("ada@example.org"))
        #expect(try MailAddress.parse("  <ada@example.org> ") == MailAddress("ada@example.org"))
        #expect(try MailAddress("ada@example.org").description == "ada@example.org")
        #expect(try MailAddress("first.last+tag@sub.example.co.uk").address == "first.last+tag@sub.example.co.uk")
        #expect(try MailAddress("paperboy@localhost").address == "paperboy@localhost")
    }

    @Test func parsesQuotedNamesWithSpecials() throws {
        let address = try MailAddress.parse(#""Lovelace, Ada \"Countess\" <x>" <ada@example.org>"#)
        #expect(address.displayName == #"Lovelace, Ada "Countess" <x>"#)
        #expect(address.address == "ada@example.org")
        // The header form quotes and escapes it again, and parsing that gives the same address back.
        #expect(address.description == #""Lovelace, Ada \"Countess\" <x>" <ada@example.org>"#)
        #expect(try MailAddress.parse(address.description) == address)
    }

    @Test func quotesNamesWithDots() throws {
        #expect(try MailAddress("ada@example.org", displayName: "Ada L.").description == #""Ada L." <ada@example.org>"#)
        #expect(try MailAddress("ada@example.org", displayName: "  ").displayName == nil)
    }

    @Test func encodesNonASCIINamesAsEncodedWords() throws {
        let address = try MailAddress("jose@example.org", displayName: "José Ñúñez")
        let expected = "=?UTF-8?B?" + Data("José Ñúñez".utf8).base64EncodedString() + "?= <jose@example.org>"
        #expect(address.description == expected)
    }

    @Test func longNonASCIINamesBecomeSeveralShortEncodedWords() throws {
        let name = String(repeating: "日本語のなまえ", count: 6)
        let description = try MailAddress("x@example.org", displayName: name).description
        let words = description.split(separator: " ").dropLast()
        #expect(words.count > 1)
        var decoded = Data()
        for word in words {
            #expect(word.count <= 75)
            #expect(word.hasPrefix("=?UTF-8?B?") && word.hasSuffix("?="))
            let payload = word.dropFirst(10).dropLast(2)
            let bytes = try #require(Data(base64Encoded: String(payload)))
            // Each word is valid UTF-8 on its own: no character is split between words.
            #expect(String(data: bytes, encoding: .utf8) != nil)
            decoded += bytes
        }
        #expect(String(decoding: decoded, as: UTF8.self) == name)
    }

    @Test(arguments: [
        "a@b.c\r\nBcc: evil@x.y",
        "a@b.c\nBcc: evil@x.y",
        "a@b.c\rRCPT TO:<evil@x.y>",
        "a@b.c\0",
        "Ada <a@b.c>\r\nBcc: evil@x.y",
        "a@b.c\u{85}",
        "a\t@b.c",
    ])
    func controlCharactersAreHeaderInjection(text: String) {
        #expect(throws: MailError.self) { try MailAddress.parse(text) }
        do {
            _ = try MailAddress.parse(text)
        } catch let error as MailError {
            #expect(error.code == .headerInjection, "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(throws: MailError.self) { try MailAddress(text) }
    }

    @Test(arguments: ["Ada\r\nBcc: evil@x.y", "Ada\n", "A\0da", "Ada\u{2028}"])
    func controlCharactersInNamesAreHeaderInjection(name: String) {
        #expect(mailErrorCode { try MailAddress("ada@example.org", displayName: name) } == .headerInjection)
    }

    @Test(arguments: [
        "", "plain", "@example.org", "ada@", "ada@@example.org", "a@b@example.org", "ada lovelace@example.org",
        "ada@exa mple.org", "<ada@example.org", "ada@example.org>", "a@b.c, evil@x.y", "a@b.c,evil@x.y",
        "ada@example..org", "ada@.example.org", "ada@example.org.", ".ada@example.org", "ada.@example.org",
        "ad..a@example.org", "ada@-example.org", "ada@example-.org", "ada@exam_ple.org", "\"ada\"@example.org",
        "ada@[127.0.0.1]", "ada@1.2.3.4", "josé@example.org", "ada@exämple.org", "a<b@example.org",
        "ada@example.org;evil@x.y",
    ])
    func invalidAddressesAreRejected(text: String) {
        #expect(mailErrorCode { try MailAddress.parse(text) } == .invalidAddress, "\(text)")
    }

    @Test(arguments: [
        "Doe, John <j@example.org>", "Ev<il <a@example.org>", "Ada <b> <a@example.org>",
        "\"Ada <a@example.org>", "\"Ada\" Lovelace <a@example.org>", "Ada <a@example.org",
    ])
    func unquotedSpecialsInNamesAreRejected(text: String) {
        #expect(mailErrorCode { try MailAddress.parse(text) } == .invalidAddress, "\(text)")
    }

    @Test func lengthLimits() throws {
        let local64 = String(repeating: "a", count: 64)
        #expect(try MailAddress("\(local64)@example.org").address.hasPrefix(local64))
        #expect(mailErrorCode { try MailAddress("\(local64)a@example.org") } == .invalidAddress)
        let label63 = String(repeating: "b", count: 63)
        #expect(mailErrorCode { try MailAddress("a@\(label63)b.org") } == .invalidAddress)
        // 254 characters in all is the most that fits in a path.
        let domain = [label63, label63, label63, String(repeating: "c", count: 60)].joined(separator: ".")
        #expect(("a@" + domain).count == 254)
        #expect(throws: Never.self) { try MailAddress("a@" + domain) }
        #expect(mailErrorCode { try MailAddress("ab@" + domain) } == .invalidAddress)
    }
}

func mailErrorCode(_ body: () throws -> Any) -> MailError.Code? {
    do {
        _ = try body()
        return nil
    } catch let error as MailError {
        return error.code
    } catch {
        return nil
    }
}
