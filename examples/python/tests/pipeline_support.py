"""Constants and helpers of the example's tests."""

SECRET = "s3cret-shared-with-label-studio"
RETRAIN_EVERY = 3
CONFIG = (
    '<View><Text name="text" value="$text"/>'
    '<Choices name="sentiment" toName="text"><Choice value="pos"/><Choice value="neg"/></Choices></View>'
)


def choice(value: str) -> list[dict]:
    """An annotation result that picks one sentiment."""
    return [{"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [value]}}]
