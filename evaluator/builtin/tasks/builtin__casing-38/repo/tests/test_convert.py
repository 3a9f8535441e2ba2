from casing import camel_to_snake, snake_to_camel


def test_camel_to_snake():
    assert camel_to_snake("parseHttpResponse") == "parse_http_response"


def test_pascal_case():
    assert camel_to_snake("UserID") == "user_id"


def test_snake_to_camel():
    assert snake_to_camel("max_retry_count") == "maxRetryCount"


def test_snake_to_pascal():
    assert snake_to_camel("http_server", upper_first=True) == "HttpServer"


def test_empty_snake():
    assert snake_to_camel("") == ""
