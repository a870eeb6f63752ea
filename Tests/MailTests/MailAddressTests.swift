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
}
