"""The explorer's pages (Streamlit): layout only; the data come from `explore`, `graphview`,
`usersparql` and the export modules. Data are rendered as text (dataframes, escaped markdown),
never as HTML."""
