package auth_test

// mustReg stops a test whose view model does not register: its
// declarations are wrong, and the error says how.
func mustReg(err error) {
	if err != nil {
		panic(err)
	}
}
