"""What a session is: its source choice, workspace, predictions, heads, overlay
and the demo; buildable without Streamlit."""
