import ArgumentParser
import Foundation
import HummingbirdBcrypt
import PaperModel
import PaperStore

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage accounts.", subcommands: [CreateUser.self, CreateToken.self])
}

struct CreateUser: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create an account; the password is read from standard input (or asked for on a terminal).",
        discussion: "Example: echo 'a long password' | paperboy user create alice --admin")

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "Username: 1-39 letters, digits, '-' or '_'.")
    var username: String

    @Flag(help: "Make the account an admin.")
    var admin = false

    @Flag(help: "Make the account a curator.")
    var curator = false

    func validate() throws {
        guard User.isValidUsername(username) else {
            throw ValidationError("username must be 1-39 letters, digits, '-' or '_'")
        }
        guard !(admin && curator) else { throw ValidationError("choose --admin or --curator, not both") }
    }

    func run() async throws {
        let password: String
        if isatty(STDIN_FILENO) == 1, let typed = getpass("Password for \(username): ") {
            password = String(cString: typed)
        } else {
            password = readLine(strippingNewline: true) ?? ""
        }
        guard password.count >= 8, password.count <= 72 else {
            throw CommandFailure("a password has 8 to 72 characters")
        }
        let store = try await storeOptions.openStore(logger: storeOptions.makeLogger("paperboy.user")).store
        let role: UserRole = admin ? .admin : curator ? .curator : .member
        do {
            _ = try await store.createUser(
                username: username, displayName: username, role: role, passwordHash: Bcrypt.hash(password, cost: 11))
        } catch let error as StoreError {
            throw CommandFailure(error.message)
        }
        print("created \(role.rawValue) \(username)")
    }
}

struct CreateToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create a personal access token for the write API and print it (shown only once).",
        discussion: "Example: paperboy user token alice --name ci")

    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: "The account the token acts as.")
    var username: String

    @Option(help: "A name that says where the token is used.")
    var name = "command line"

    func run() async throws {
        let store = try await storeOptions.openStore(logger: storeOptions.makeLogger("paperboy.user")).store
        let secret = AccessTokenSecret.generate()
        do {
            _ = try await store.createAccessToken(
                username: username, name: name, tokenHash: AccessTokenSecret.hash(secret))
        } catch let error as StoreError {
            throw CommandFailure(error.message)
        }
        print(secret)
    }
}
