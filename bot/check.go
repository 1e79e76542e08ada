package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/secret"
)

// CheckAuth calls Slack's auth.test with tok at apiURL (empty: Slack's
// own) and returns the team and user the token belongs to. It is what
// `spuffbot check` asks Slack.
func CheckAuth(ctx context.Context, apiURL string, tok secret.Value, client *http.Client) (team, user string, err error) {
	if apiURL == "" {
		apiURL = slack.APIURL
	}
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/"
	}
	if client == nil {
		client = &http.Client{}
	}
	resp, err := slack.New(tok.Reveal(), slack.OptionAPIURL(apiURL), slack.OptionHTTPClient(client)).AuthTestContext(ctx)
	if err != nil {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) {
			return "", "", fmt.Errorf("slack refused the token: %s", se.Err)
		}
		return "", "", fmt.Errorf("slack: auth.test: %w", err)
	}
	return resp.Team, resp.User, nil
}
