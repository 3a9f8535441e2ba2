"""PAE: task proposer, LLM judge, judge audit and the loop that ties them."""
