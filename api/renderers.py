from rest_framework import renderers


class JSONRenderer(renderers.JSONRenderer):
    """DRF's, except that text UTF-8 cannot carry is sent as JSON escapes rather than failing the answer.

    Stored text never holds a lone surrogate (see liaison_crm.text), but a request can, as `"\\ud800"`, and
    DRF repeats some values back in its error messages (`"\\ud800" is not a valid choice.`). Encoding that
    message would fail and turn the 400 into a 500; written all in ASCII it reads the same to any client.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return AsciiJSONRenderer().render(data, accepted_media_type, renderer_context)


class AsciiJSONRenderer(renderers.JSONRenderer):
    ensure_ascii = True
