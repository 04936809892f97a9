// Package cloudformation holds gonetify's CloudFormation template for Amazon
// API Gateway, embedded so commands can run the local gateway emulator
// without shipping the file.
package cloudformation

import _ "embed"

// Template is the text of gonetify.yaml: a WebSocket API whose routes call a
// gonetify app server, a stage, and an IAM user allowed to use @connections.
//
//go:embed gonetify.yaml
var Template []byte
